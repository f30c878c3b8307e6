"""The stack's functions in-process over moto: the resources are created from the synthesized
template by the local runtime's provisioner, and each function runs with its own environment."""

from __future__ import annotations

import importlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto import mock_aws

from local import chaos, cognito_rules, transactions
from local.lambdas import LocalFunction, check_request, load_functions, reset_warm_state
from local.moto_streams import keep_stream_shards
from local.moto_tables import sort_keys_once
from local.outbox import Outbox
from local.provision import Provisioner
from local.streams import StreamPoller, stream_mappings
from local.template import ACCOUNT_ID, Resolver, Template
from local.workers import QueuePoller, queue_pollers
from ongpt.platform import settings as env
from tests.support import contract
from tests.support.events import IDENTITY_POOL, FakeLambdaContext, rest_event
from tests.support.fake_aws import FAKE_AWS


@dataclass
class Deployed:
    template: Template
    resolver: Resolver
    functions: dict[str, Any]  # LocalFunction by logical id
    outbox: Outbox
    pollers: list[QueuePoller]  # the SQS event sources, polled only when a test says so
    streams: list[StreamPoller]  # the table streams' (the outbox's), polled after each call

    def function(self, name: str) -> LocalFunction:
        """The function of ``functions/<name>``."""
        for function in self.functions.values():
            if (
                isinstance(function, LocalFunction)
                and function.environment.get(env.SERVICE_NAME.name) == name
            ):
                return function
        raise KeyError(name)

    @contextmanager
    def environment_of(self, name: str) -> Iterator[None]:
        saved = dict(os.environ)
        os.environ.update(self.function(name).environment)
        reset_warm_state()
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)
            reset_warm_state()

    def call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        identity: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        deliver: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        """Invoke a function's handler as API Gateway would; (status, JSON body). Codes a
        registration or a recovery queued are sent at once, unless ``deliver`` is false.
        Lambda's limits hold (``LocalFunction.check_answer``): past them, ``FunctionError``."""
        event = rest_event(
            method, path, body=body, identity=self.in_world(identity, name), query=query
        )
        event["headers"].update(headers or {})
        check_request(event)
        with self.environment_of(name):  # its cold start, the first time, checks its variables
            module = importlib.import_module(f"functions.{name}.handler")
            started = time.monotonic()
            response = module.lambda_handler(event, FakeLambdaContext())
            self.function(name).check_answer(time.monotonic() - started, response)
            queue = os.environ.get(env.REGISTRATION_QUEUE_URL.name) or os.environ.get(
                env.RECOVERY_QUEUE_URL.name
            )
        if deliver and queue and response["statusCode"] == 202:  # codes queued
            self.work_off(queue)
        if deliver:
            self.deliver_notices()
        answer = json.loads(response["body"] or "null")
        contract.check(method, path, response["statusCode"], answer)
        return response["statusCode"], answer

    def in_world(self, identity: dict[str, Any] | None, name: str) -> dict[str, Any]:
        """``identity`` (a guest by default) as API Gateway fills it in this world: an identity
        of "this deployment's" pool is one of the world's identity pool (function ``name``'s)."""
        who = dict(identity or guest())
        if who.get("cognitoIdentityPoolId") == IDENTITY_POOL:
            pool = self.function(name).environment[env.IDENTITY_POOL_ID.name]
            who["cognitoIdentityPoolId"] = pool
        return who

    def deliver_notices(self) -> None:
        """What Lambda's stream poller does, at once: the outbox's new items to the delivery
        worker, batch after batch, until the streams have nothing new or only failed records
        (retried at the next call, as Lambda retries them)."""
        for poller in self.streams:
            while poller.poll_once():
                pass

    def work_off(self, queue_url: str) -> None:
        """What Lambda's SQS poller does, at once: the queue's messages to its function, batch
        after batch, until none is left; those it reports failed stay on the queue."""
        poller = next(p for p in self.pollers if p.queue_url == queue_url)
        while poller.poll_once():
            pass
        self.deliver_notices()

    def messages_to(self, address: str) -> list[dict[str, Any]]:
        return self.outbox.messages_to(address)


def guest() -> dict[str, Any]:
    """A guest of this deployment's identity pool, as API Gateway names them."""
    return {
        "cognitoIdentityPoolId": IDENTITY_POOL,
        "cognitoIdentityId": f"ap-southeast-1:{uuid.uuid4()}",
        "cognitoAuthenticationType": "unauthenticated",
        "accountId": ACCOUNT_ID,
    }


def customer(customer_id: str) -> dict[str, Any]:
    """A customer signed in through this deployment's user pool and identity pool."""
    provider = "cognito-idp.ap-southeast-1.amazonaws.com/pool"
    return {
        "cognitoIdentityPoolId": IDENTITY_POOL,
        "cognitoIdentityId": f"ap-southeast-1:{uuid.uuid4()}",
        "cognitoAuthenticationType": "authenticated",
        "cognitoAuthenticationProvider": f"{provider},{provider}:CognitoSignIn:{customer_id}",
        "accountId": ACCOUNT_ID,
    }


@contextmanager
def deployed(assembly_dir: Path) -> Iterator[Deployed]:
    env = {**FAKE_AWS, "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}
    saved = dict(os.environ)
    os.environ.update(env)
    cognito_rules.install()  # Cognito as on AWS where the lifecycle relies on it
    keep_stream_shards()  # a failed transaction leaves the outbox's stream readable
    sort_keys_once()  # a query of a large table takes milliseconds, not seconds
    transactions.install()  # DynamoDB's transaction conflicts among concurrent requests
    chaos.install()  # LOCAL_CHAOS, if set, once the resources are in place
    try:
        with mock_aws():
            template = Template.load(assembly_dir)
            resolver = Provisioner(template, endpoint_url=None).run()
            chaos.arm()
            functions = load_functions(template, resolver, env)
            outbox = Outbox(template.region())
            sqs = boto3.client("sqs")
            pollers = queue_pollers(template, resolver, functions, sqs, outbox, wait_seconds=0)
            streams = [
                StreamPoller(mapping, streams_client(), sqs, outbox, template.region(), 0, 0)
                for mapping in stream_mappings(template, resolver, functions)
            ]
            yield Deployed(template, resolver, functions, outbox, pollers, streams)
    finally:
        chaos.disarm()
        os.environ.clear()
        os.environ.update(saved)


def streams_client() -> Any:
    """Moto difference: botocore sends Streams calls to the account's endpoint named in the
    stream ARN (``<account>.streams-ddb.<region>``), which moto in-process does not serve."""
    return boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))


def staff(role: str, staff_id: str = "alice") -> dict[str, Any]:
    """An IAM caller in a staff role, as API Gateway names them (``Support``, ...)."""
    arn = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{staff_id}"
    return {
        "userArn": arn,
        "caller": f"AROAEXAMPLE:{staff_id}",
        "user": f"AROAEXAMPLE:{staff_id}",
        "accountId": ACCOUNT_ID,
    }
