"""The table-driven fault test's machinery (issue 14, item 2): what a write path changed, by key,
normalised so that the state one run leaves can be compared with another's; the notices it sent;
the audit chains it wrote to.

A path's clean run is recorded once: the AWS calls it makes (each then fails in turn, as
``tests/support/faults.py`` describes) and the items and users its writes touched. A faulted run
and its retry are compared with it by those items only (read by key, never a Scan): two runs of
a path on fresh worlds leave the same items, once ids, addresses, times, ciphertexts and MACs are
masked; a half-written or doubled change shows as an item too many, too few or different.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
import boto3.session
import pytest
from botocore.client import BaseClient
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from local.template import ACCOUNT_ID
from ongpt.audit.chain import verify
from tests.support import normalised
from tests.support.audit import audit_log
from tests.support.deployed import Deployed

REGION = "ap-southeast-1"  # tests/support/deployed.py
ITEM_WRITES = {"PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}
TRANSACT_WRITES = {"Put": "Item", "Update": "Key", "Delete": "Key"}
BATCH_WRITES = {"PutRequest": "Item", "DeleteRequest": "Key"}
AUDIT = "Audit"  # in the audit table's name
TALLY = "COUNTS#"  # a shared tally's partition key (the customers' sharded counters)


@dataclass
class Touched:
    """The items, Cognito users and S3 objects that the writes made while installed touched."""

    items: set[tuple[str, str]] = field(default_factory=set)  # table, key as JSON
    users: set[tuple[str, str]] = field(default_factory=set)
    objects: set[tuple[str, str]] = field(default_factory=set)  # bucket, key (the anchors)
    subjects: set[str] = field(default_factory=set)  # audit chains written to
    # A shared tally (a shard of the customers' counters) as it was before the run touched it:
    # each run's new customer falls in a shard of its own, so its change is compared, not its item.
    tallies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def add_item(self, table: str, item: dict[str, Any]) -> None:
        key = json.dumps({name: item[name] for name in key_schema(table)}, sort_keys=True)
        self.items.add((table, key))
        if item.get("pk", {}).get("S", "").startswith(TALLY) and (table, key) not in self.tallies:
            self.tallies[(table, key)] = _moto_item(table, item)
        if AUDIT in table:
            self.subjects.add(item["pk"]["S"].removeprefix("SUBJECT#"))

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if service == "cognito-idp" and "Username" in params and "UserPoolId" in params:
            self.users.add((params["UserPoolId"], params["Username"]))
        if service == "s3" and operation == "PutObject":
            self.objects.add((params["Bucket"], params["Key"]))
        if service != "dynamodb":
            return
        if operation in ITEM_WRITES:
            self.add_item(params["TableName"], params[ITEM_WRITES[operation]])
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                for kind, request in entry.items():
                    if kind in TRANSACT_WRITES:
                        self.add_item(request["TableName"], request[TRANSACT_WRITES[kind]])
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    for kind, body in request.items():
                        self.add_item(table, body[BATCH_WRITES[kind]])

    @contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[Touched]:
        """Records each write as it is sent (before the call: a call failed by an injected
        fault, installed inside this, is not sent and not recorded)."""
        real = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore
        touched = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            touched.record(client.meta.service_model.service_name, operation, params)
            return real(client, operation, params)

        with monkeypatch.context() as patch:
            patch.setattr(BaseClient, "_make_api_call", make_api_call)
            yield self


@cache
def key_schema(table: str) -> tuple[str, ...]:
    """Its key's attributes, from moto's backend (a call through botocore would be counted)."""
    found = dynamodb_backends[ACCOUNT_ID][REGION].tables[table]
    return tuple(a for a in (found.hash_key_attr, found.range_key_attr) if a)


def _moto_item(table: str, key: dict[str, Any]) -> dict[str, Any]:
    """The item of ``key`` as moto holds it now ({} if none), read from its backend."""
    found = dynamodb_backends[ACCOUNT_ID][REGION].tables[table]
    hash_key, *range_key = (DynamoType(key[name]) for name in key_schema(table))
    item = found.get_item(hash_key, range_key[0] if range_key else None)
    return item.to_json()["Attributes"] if item else {}


@contextmanager
def clients_reused(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each kind of boto3 client created once and reused. In-process every invocation is a cold
    start (``Deployed.environment_of``) and creates its clients again, a new session's models
    loaded for Powertools' idempotency: most of a fault run's time. A client holds nothing that
    the paths rely on (faults are injected above its retries), so reusing it changes nothing."""
    real = boto3.session.Session.client
    made: dict[str, Any] = {}

    def client(session: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        config = kwargs.get("config")
        options = getattr(config, "_user_provided_options", None)
        key = repr((args, sorted((k, v) for k, v in kwargs.items() if k != "config"), options))
        if key not in made:
            made[key] = real(session, *args, **kwargs)
        return made[key]

    with monkeypatch.context() as patch:
        patch.setattr(boto3.session.Session, "client", client)
        yield


def state(touched: Touched) -> Counter[str]:
    """The touched items that exist, the touched users and objects, each normalised (a
    multiset: two contracts where one was made count twice)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    idp = boto3.client("cognito-idp", region_name=REGION)
    found: Counter[str] = Counter()
    items = []
    tallied: Counter[str] = Counter()
    for table, key in touched.items:
        read = dynamodb.get_item(TableName=table, Key=json.loads(key), ConsistentRead=True)
        if (table, key) in touched.tallies:
            before = touched.tallies[(table, key)]
            for name, value in read.get("Item", {}).items():
                if "N" in value:
                    tallied[name] += int(value["N"]) - int(before.get(name, {"N": "0"})["N"])
        elif "Item" in read:
            items.append((table, read["Item"]))
    if tallied:
        found[f"tallies changed by {sorted(tallied.items())}"] += 1
    for table, item in in_the_run(items):
        found[f"{table} {json.dumps(normalised.item(item), ensure_ascii=False)}"] += 1
    for pool, username in touched.users:
        try:
            user = idp.admin_get_user(UserPoolId=pool, Username=username)
        except idp.exceptions.UserNotFoundException:
            continue
        attributes = sorted(
            (a["Name"], normalised.string(a["Value"])) for a in user["UserAttributes"]
        )
        mfa = sorted(user.get("UserMFASettingList", []))
        found[f"user {user['Enabled']} {user['UserStatus']} {attributes} {mfa}"] += 1
    s3 = boto3.client("s3", region_name=REGION)
    for bucket, key in touched.objects:
        with suppress(s3.exceptions.NoSuchKey):
            body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            path = "/".join(normalised.part(p) for p in key.split("/"))
            found[f"object {path} {json.dumps(normalised.document(body))}"] += 1
    return found


def in_the_run(items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The items, an audit entry's sequence counted from the first this run wrote to its chain:
    a chain another path shares (``SYSTEM``) is longer at each run; an entry too many is still
    one more."""
    first: dict[str, int] = {}
    for table, item in items:
        if AUDIT in table:
            subject, sequence = item["subject"]["S"], int(item["sequence"]["N"])
            first[subject] = min(first.get(subject, sequence), sequence)
    return [
        (table, item | _numbered(int(item["sequence"]["N"]) - first[item["subject"]["S"]]))
        if AUDIT in table
        else (table, item)
        for table, item in items
    ]


def _numbered(position: int) -> dict[str, Any]:
    return {"sequence": {"N": str(position)}, "sk": {"S": f"{position:012d}"}}


def expire_in_progress(aws: Deployed, touched: Touched) -> None:
    """The touched idempotency records still in progress (their function failed before it could
    complete or delete them), past their function's timeout: a client's retry comes after it."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    tables = {f.environment.get("IDEMPOTENCY_TABLE") for f in aws.functions.values()}
    for table, key in touched.items:
        if table in tables:
            with suppress(dynamodb.exceptions.ConditionalCheckFailedException):
                dynamodb.update_item(
                    TableName=table,
                    Key=json.loads(key),
                    UpdateExpression="SET in_progress_expiration = :past",
                    ConditionExpression="#status = :progress",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":past": {"N": "0"},
                        ":progress": {"S": "INPROGRESS"},
                    },
                )


def difference(expected: Counter[str], got: Counter[str]) -> dict[str, list[str]]:
    return {
        "missing": sorted((expected - got).elements()),
        "extra": sorted((got - expected).elements()),
    }


def sent(aws: Deployed, marker: int) -> Counter[str]:
    """The messages SES and SNS accepted after ``marker`` (``aws.outbox.seen()``), one per
    recipient, by channel and masked text."""
    return Counter(
        f"{message.channel} {normalised.text(message.subject or message.body)}"
        for message in aws.outbox.since(marker)
        for _ in message.to
    )


def broken_chains(aws: Deployed, subjects: set[str]) -> dict[str, Any]:
    """The audit chains among ``subjects`` that do not verify, with their first bad entry."""
    log = audit_log(aws, datetime.now(UTC))
    broken = {}
    for subject in subjects:
        found = verify(log.entries(subject), keyed=log.chain_key.valid)
        if not found.valid:
            broken[subject] = found.first_bad
    return broken
