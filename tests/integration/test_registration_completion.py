"""Registration completion in one transaction (issue 14, DESIGN.md "One shape for every write"):
the address guards, the profile, the consents, the customer's data key, the registration's
completion and the first entry of the customer's audit chain commit together or not at all."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.support.deployed import Deployed, staff
from tests.support.journeys import audit_items, e164, registered, registration, start, verify
from tests.support.refusals import refusing


def _completions(aws: Deployed, registration_id: str) -> list[dict[str, Any]]:
    """The audit entries that record this registration's completion, whoever's chain."""
    table = aws.function("audit").environment["AUDIT_TABLE"]
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [
        item
        for item in items
        if json.loads(item["details"]["S"]).get("registration_id") == registration_id
    ]


@pytest.mark.clause("P2.1", "P2.5")
def test_a_completed_registration_opens_the_audit_chain_with_its_consents_and_no_personal_value(
    aws: Deployed,
) -> None:
    body, cid = registered(aws)
    _, _, items = audit_items(aws, cid)
    assert [i["action"]["S"] for i in items] == ["registration.complete"]
    entry = items[0]
    assert (entry["actor"]["S"], entry["role"]["S"], entry["sequence"]["N"]) == (
        cid,
        "customer",
        "1",
    )
    details = json.loads(entry["details"]["S"])
    assert details["consents"] == body["consents"]
    text = str(entry)
    assert not [v for v in (body["email"], e164(body["phone"]), body["full_name"]) if v in text]
    status, audit = aws.call(
        "audit",
        "GET",
        "/v1/staff/audit",
        identity=staff("Compliance"),
        query={"customer_id": cid},
    )
    assert status == 200
    assert audit["verification"]["valid"] is True


@pytest.mark.clause("P2.1", "P2.5", "P4")
@pytest.mark.parametrize("operation", ["GenerateMac", "TransactWriteItems"])
def test_a_completion_that_fails_at_its_audit_entry_or_transaction_leaves_nothing_and_retries_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """The entry is keyed (KMS) before the one transaction that writes it with the profile: a
    failure at either leaves no profile, no entry and no sign-in; the retry completes once."""
    body = registration()
    _, accepted = start(aws, body)
    rid = accepted["registration_id"]
    with refusing(monkeypatch, operation) as refused:
        status, answer = verify(aws, rid, body["email"], e164(body["phone"]))
    assert refused, f"{operation} was never called"
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert _completions(aws, rid) == []
    pool = aws.function("registration").environment["USER_POOL_ID"]
    users = boto3.client("cognito-idp").list_users(
        UserPoolId=pool, Filter=f'email = "{body["email"].lower()}"'
    )["Users"]
    assert users == []
    status, created = verify(aws, rid, body["email"], e164(body["phone"]))
    assert status == 201
    (entry,) = _completions(aws, rid)
    assert entry["subject"]["S"] == created["customer_id"]
