"""The local runtime in-process over moto: its gateway reads the synthesized policies, a crashing
function is a clean 502, a throttled or timed-out one is answered as API Gateway answers it, the
stage's throttles hold, and queue workers honour partial-batch failures and the DLQ."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto import mock_aws
from werkzeug.test import Client

from local.credentials import Issued, Principal
from local.gateway import LocalGateway
from local.lambdas import (
    TIMED_OUT,
    FunctionError,
    InFlight,
    Invocable,
    InvocationRejected,
    load_functions,
)
from local.outbox import Outbox
from local.principals import Principals, Refused
from local.provision import Provisioner
from local.template import ACCOUNT_ID, Resolver, Template
from local.workers import QueuePoller
from tests.support.slow import slow_pool

HOST = "localhost"


@dataclass
class Runtime:
    template: Template
    resolver: Resolver
    gateway: LocalGateway


@pytest.fixture(scope="module")
def runtime(assembly_dir: Path) -> Iterator[Runtime]:
    with mock_aws():
        template = Template.load(assembly_dir)
        resolver = Provisioner(template, endpoint_url=None).run()
        functions = load_functions(template, resolver, {})
        principals = Principals(template, resolver, aws_endpoint="http://unused")
        gateway = LocalGateway(template, resolver, functions, principals, Outbox(template.region()))
        yield Runtime(template, resolver, gateway)


def signed_call(gateway: LocalGateway, issued: Issued, method: str, path: str) -> Any:
    url = f"http://{HOST}{path}"
    request = AWSRequest(
        method=method, url=url, data=b"{}", headers={"Content-Type": "application/json"}
    )
    creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    SigV4Auth(creds, "execute-api", gateway.region).add_auth(request)
    return Client(gateway).open(
        path, method=method, data=b"{}", headers={**request.headers, "Host": HOST}
    )


PHONE = "+84967915569"


class Crashing:
    logical_id = "Crashing"
    in_flight = InFlight()

    def module(self) -> ModuleType:
        return ModuleType("crashing")

    def invoke(self, _event: dict[str, Any]) -> Any:
        raise RuntimeError(f"boom for {PHONE}")


def test_a_crashing_function_is_a_clean_502(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = runtime.gateway
    route = next(r for r in gateway.routes if r.path == "/v1/policy")
    original = gateway.functions[route.function_id]
    gateway.functions[route.function_id] = Crashing()
    try:
        issued = gateway.credentials.mint(gateway.principals.guest())
        response = signed_call(gateway, issued, "GET", "/v1/policy")
    finally:
        gateway.functions[route.function_id] = original
    assert response.status_code == 502
    assert response.get_json() == {"message": "Internal server error"}
    assert "RuntimeError" in caplog.text
    assert PHONE not in caplog.text


class Failing:
    """A function whose invocations fail with ``error``, or answer after ``seconds``."""

    logical_id = "Failing"
    in_flight = InFlight()

    def __init__(self, error: Exception | None = None, seconds: float = 0) -> None:
        self.error, self.seconds = error, seconds
        self.finished = threading.Event()

    def module(self) -> ModuleType:
        return ModuleType("failing")

    def invoke(self, _event: dict[str, Any]) -> Any:
        time.sleep(self.seconds)
        self.finished.set()
        if self.error is not None:
            raise self.error
        return {"statusCode": 200, "body": "{}"}


@contextmanager
def serving(gateway: LocalGateway, path: str, function: Invocable) -> Iterator[None]:
    """``path``'s function replaced by ``function`` for the block."""
    route = next(r for r in gateway.routes if r.path == path)
    original = gateway.functions[route.function_id]
    gateway.functions[route.function_id] = function
    try:
        yield
    finally:
        gateway.functions[route.function_id] = original


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (FunctionError(TIMED_OUT, []), 502),  # it ran: its timeout is its error
        (InvocationRejected("TooManyRequestsException", []), 500),  # Lambda refused to run it
        (InvocationRejected("RequestTooLargeException", []), 500),
    ],
)
def test_a_function_that_did_not_answer_is_answered_as_api_gateway_answers_it(
    runtime: Runtime, error: Exception, status: int
) -> None:
    gateway = runtime.gateway
    issued = gateway.credentials.mint(gateway.principals.guest())
    with serving(gateway, "/v1/policy", Failing(error)):
        response = signed_call(gateway, issued, "GET", "/v1/policy")
    assert response.status_code == status
    assert response.get_json() == {"message": "Internal server error"}


def test_an_integration_past_its_timeout_is_a_504_while_the_function_runs_on(
    runtime: Runtime,
) -> None:
    gateway = _gateway(runtime, runtime.template)
    gateway.routes = [replace(r, timeout_ms=100) for r in gateway.routes]  # 29 s in the template
    slow = Failing(seconds=0.5)
    issued = gateway.credentials.mint(gateway.principals.guest())
    with serving(gateway, "/v1/policy", slow):
        started = time.monotonic()
        response = signed_call(gateway, issued, "GET", "/v1/policy")
        assert time.monotonic() - started < 0.4
        assert not slow.finished.is_set()
        assert slow.finished.wait(5)  # it ran to its end, as a Lambda invocation does
    assert response.status_code == 504
    assert response.get_json() == {"message": "Endpoint request timed out"}


def test_each_method_has_the_stages_throttle_unless_it_has_its_own(runtime: Runtime) -> None:
    never_refilled = {"ThrottlingRateLimit": 0.001, "ThrottlingBurstLimit": 2}
    settings = [
        {"ResourcePath": "/*", "HttpMethod": "*", **never_refilled},
        {
            "ResourcePath": "/~1v1~1me",
            "HttpMethod": "GET",
            **never_refilled,
            "ThrottlingBurstLimit": 4,
        },
    ]
    throttled = _changed(runtime.template, "AWS::ApiGateway::Stage", MethodSettings=settings)
    client = Client(_gateway(runtime, throttled))
    # Unsigned: refused by the resource policy (403) until the method's bucket is empty.
    assert [client.get("/v1/policy").status_code for _ in range(3)] == [403, 403, 429]
    assert client.get("/v1/policy").get_json() == {"message": "Too Many Requests"}
    assert client.get("/v1/me/consents").status_code == 403  # a bucket per method
    assert [client.get("/v1/me").status_code for _ in range(5)] == [403] * 4 + [429]


def _gateway(runtime: Runtime, template: Template) -> LocalGateway:
    """A gateway of ``template`` sharing the runtime's functions and credentials."""
    gateway = runtime.gateway
    changed = LocalGateway(
        template, runtime.resolver, gateway.functions, gateway.principals, gateway.outbox
    )
    changed.credentials = gateway.credentials
    return changed


def _without_contracts(template: Template) -> Template:
    """The template as if the CDK code no longer let Support manage contracts."""
    body = copy.deepcopy(template.body)
    support = next(
        lid
        for lid, r in body["Resources"].items()
        if r.get("Properties", {}).get("RoleName") == "Support"
    )
    for resource in body["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": support} in props["Roles"]:
            for statement in props["PolicyDocument"]["Statement"]:
                statement["Resource"] = [
                    r for r in statement["Resource"] if "/v1/staff/contracts" not in json.dumps(r)
                ]
    return replace(template, body=body)


def test_the_gateway_enforces_the_synthesized_policy_not_a_copy(runtime: Runtime) -> None:
    gateway = runtime.gateway
    issued = gateway.credentials.mint(gateway.principals.staff("support", "alice"))
    assert signed_call(gateway, issued, "POST", "/v1/staff/contracts").status_code != 403
    changed = _gateway(runtime, _without_contracts(runtime.template))
    assert signed_call(changed, issued, "POST", "/v1/staff/contracts").status_code == 403
    assert signed_call(changed, issued, "GET", "/v1/staff/complaints").status_code != 403


def _changed(template: Template, type_: str, **properties: Any) -> Template:
    """The template with ``properties`` set on every resource of ``type_``."""
    body = copy.deepcopy(template.body)
    for resource in body["Resources"].values():
        if resource["Type"] == type_:
            resource["Properties"].update(properties)
    return replace(template, body=body)


@pytest.mark.clause("P2.6")
def test_a_method_without_aws_iam_would_still_be_refused_unsigned_by_the_resource_policy(
    runtime: Runtime,
) -> None:
    """The gateway reads each method's authorization type and the API's resource policy: if the
    CDK code dropped AWS_IAM, the resource policy (which allows anyone only the preflights)
    would still refuse unsigned requests; without it too, they would reach the handlers."""
    assert Client(runtime.gateway).get("/v1/policy").status_code == 403
    no_iam = _changed(runtime.template, "AWS::ApiGateway::Method", AuthorizationType="NONE")
    refused = Client(_gateway(runtime, no_iam)).get("/v1/policy")
    assert refused.status_code == 403
    assert refused.get_json()["Message"].startswith("User: anonymous is not authorized")
    open_api = _changed(no_iam, "AWS::ApiGateway::RestApi", Policy=None)
    response = Client(_gateway(runtime, open_api)).get("/v1/policy")
    # It reached the handler, which refuses a caller API Gateway names nobody (API.md's principal
    # table, checked again by every function): the function's error, not the gateway's.
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "FORBIDDEN"


def _elsewhere(principal: Principal, account: str, role_name: str) -> Principal:
    """``principal`` as if it were a role ``role_name`` of ``account`` whose own policy allows
    what the original's does."""
    role_arn = f"arn:aws:iam::{account}:role/{role_name}"
    session_arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/session"
    return replace(
        principal,
        user_arn=session_arn,
        identity={**principal.identity, "accountId": account, "userArn": session_arn},
        context={
            **principal.context,
            "aws:PrincipalArn": role_arn,
            "aws:PrincipalAccount": account,
        },
    )


@pytest.mark.clause("P2.2", "P2.6")
def test_only_this_deployments_roles_get_past_the_resource_policy(runtime: Runtime) -> None:
    """The API's resource policy refuses a role of another account (whose own policy allows
    it) and any role of this account but the stack's own, whatever their policies allow."""
    gateway = runtime.gateway
    guest = gateway.principals.guest()
    ours = gateway.credentials.mint(guest)
    assert signed_call(gateway, ours, "GET", "/v1/policy").status_code == 200
    for account, role_name in (("999999999999", "Guest"), (ACCOUNT_ID, "SomeOtherRole")):
        theirs = gateway.credentials.mint(_elsewhere(guest, account, role_name))
        response = signed_call(gateway, theirs, "GET", "/v1/policy")
        assert response.status_code == 403, (account, role_name)
        assert response.get_json()["Message"].endswith(
            "with an explicit deny in a resource-based policy"
        )


@pytest.mark.clause("P2.6")
def test_preflights_pass_only_because_the_resource_policy_allows_them(runtime: Runtime) -> None:
    """With a resource policy, API Gateway serves a method without authorization (the unsigned
    CORS preflight) only if the policy allows it."""
    assert Client(runtime.gateway).options("/v1/policy").status_code == 204
    body = copy.deepcopy(runtime.template.body)
    ((_, api),) = [
        (k, r) for k, r in body["Resources"].items() if r["Type"] == "AWS::ApiGateway::RestApi"
    ]
    statements = api["Properties"]["Policy"]["Statement"]
    api["Properties"]["Policy"]["Statement"] = [s for s in statements if s["Effect"] == "Deny"]
    without = _gateway(runtime, replace(runtime.template, body=body))
    assert Client(without).options("/v1/policy").status_code == 403


def test_guests_get_basic_flow_credentials_only_if_the_identity_pool_allows_it(
    runtime: Runtime,
) -> None:
    assert runtime.gateway.principals.guest().role_logical_id
    classic_off = _changed(runtime.template, "AWS::Cognito::IdentityPool", AllowClassicFlow=False)
    principals = Principals(classic_off, runtime.resolver, aws_endpoint="http://unused")
    with pytest.raises(Refused, match="classic"):
        principals.guest()
    assert principals.guest(flow="enhanced").session_policy


def test_the_guest_role_trust_policy_decides_who_gets_its_credentials(runtime: Runtime) -> None:
    """STS checks the trust policy's aud: another identity pool's guests are refused."""
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": "another-pool"},
                },
            }
        ]
    }
    body = copy.deepcopy(runtime.template.body)
    guest_role = runtime.gateway.principals.guest_role
    body["Resources"][guest_role]["Properties"]["AssumeRolePolicyDocument"] = trust
    principals = Principals(
        replace(runtime.template, body=body), runtime.resolver, aws_endpoint="http://unused"
    )
    with pytest.raises(Refused, match="AssumeRoleWithWebIdentity"):
        principals.guest()


@pytest.mark.clause("P2.3", "P5")
def test_identity_center_staff_reach_their_role_only_under_their_own_name(
    runtime: Runtime,
) -> None:
    """A session of the Support permission set becomes Support as the Identity Center user's
    own name, which it must set as the source identity too; it cannot choose another's name,
    skip the source identity, or reach a role its permission set is not for."""
    gateway = runtime.gateway
    url = "/_local/credentials"
    alice = {"staff_role": "support", "staff_id": "alice", "via": "sso"}
    issued = Client(gateway).post(url, json=alice)
    assert issued.status_code == 200, issued.get_json()
    held = gateway.credentials.get(issued.get_json()["AccessKeyId"])
    assert held is not None
    assert held.principal.user_arn.endswith(":assumed-role/Support/alice")
    assert held.principal.context["aws:SourceIdentity"] == "alice"
    assert signed_call(gateway, held, "GET", "/v1/staff/complaints").status_code != 403
    for refused in (
        {**alice, "session_name": "bob"},
        {**alice, "source_identity": "bob"},
        {**alice, "source_identity": ""},  # none
        {**alice, "staff_role": "admin", "permission_set": "OnGptAccountsSupport"},
        {**alice, "permission_set": "SomeoneElsesSet"},
    ):
        answer = Client(gateway).post(url, json=refused)
        assert answer.status_code == 403, refused
        assert "AWSReservedSSO_" in answer.get_json()["message"], refused
    # The IAM users' statement lets nobody set a source identity (the CLI sets none for them).
    iam_user = {"staff_role": "support", "staff_id": "alice", "source_identity": "alice"}
    assert Client(gateway).post(url, json=iam_user).status_code == 403


class Worker:
    """A function that fails the messages whose body says so."""

    logical_id = "Worker"
    in_flight = InFlight()

    def module(self) -> ModuleType:
        return ModuleType("worker")

    def __init__(self) -> None:
        self.seen: list[str] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.seen += [r["body"] for r in event["Records"]]
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "fail"
            ]
        }


def test_queue_workers_report_partial_failures_and_dead_letter(runtime: Runtime) -> None:
    sqs = boto3.client("sqs", region_name=runtime.template.region())
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName="work",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
        },
    )["QueueUrl"]
    for body in ("ok", "fail"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    worker = Worker()
    poller = QueuePoller(
        sqs,
        queue,
        "arn:queue",
        worker,
        10,
        True,
        Outbox(runtime.template.region()),
        runtime.template.region(),
    )
    for _ in range(4):
        poller.poll_once()
    assert worker.seen.count("ok") == 1  # deleted after success
    assert worker.seen.count("fail") == 2  # retried until maxReceiveCount
    dead = sqs.receive_message(QueueUrl=dlq).get("Messages", [])
    assert [m["Body"] for m in dead] == ["fail"]


def test_a_queue_invocation_past_its_timeout_is_retried_then_dead_lettered(
    runtime: Runtime, tmp_path: Path
) -> None:
    sqs = boto3.client("sqs", region_name=runtime.template.region())
    dlq = sqs.create_queue(QueueName="slow-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    queue = sqs.create_queue(
        QueueName="slow", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": redrive}
    )["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="slow")
    slow = slow_pool(tmp_path)
    region = runtime.template.region()
    poller = QueuePoller(sqs, queue, "arn:slow", slow, 10, True, Outbox(region), region)
    try:
        for _ in range(3):
            poller.poll_once()
    finally:
        slow.stop()
    assert poller.invocations == 2  # each ended at its 1-second timeout, the message kept
    dead = sqs.receive_message(QueueUrl=dlq).get("Messages", [])
    assert [m["Body"] for m in dead] == ["slow"]
