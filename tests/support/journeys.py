"""Steps of the customers' and staff's journeys through the functions in-process (over
``Deployed``), shared by the integration tests: a registration, its codes, a customer's own
requests, a staff decision, a contract, a disclosure, the audit entries of a subject."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.support.deployed import Deployed, customer, staff
from tests.support.phones import new_phone

NAME = "Nguyễn Văn An"
PASSWORD = "correct-Horse-battery-9"
CONTRACTS_NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # the contract tests' clock


def e164(local: str) -> str:
    return "+84" + local[1:]


def registration(
    email: str | None = None, phone: str | None = None, **changes: Any
) -> dict[str, Any]:
    """The body of a registration, with a new phone and email unless given."""
    body = {
        "full_name": NAME,
        "phone": new_phone() if phone is None else phone,
        "email": f"an.{uuid.uuid4().hex[:10]}@Example.com" if email is None else email,
        "optional": {"company": "OnGPT", "preferred_language": "vi"},
        "consents": {
            "privacy_policy": "2024-10",
            "terms": "2024-10",
            "marketing": False,
            "product_updates": True,
        },
    }
    body.update(changes)
    return body


def start(aws: Deployed, body: dict[str, Any], **kwargs: Any) -> tuple[int, dict[str, Any]]:
    return aws.call("registration", "POST", "/v1/registrations", body=body, **kwargs)


def code_to(aws: Deployed, address: str) -> str:
    """The code in the latest message sent to ``address``."""
    messages = aws.messages_to(address)
    assert messages, f"nothing was sent to {address}"
    found = re.search(r"\b(\d{6})\b", messages[-1]["body"])
    assert found, messages[-1]["body"]
    return found.group(1)


def verify(
    aws: Deployed, registration_id: str, email: str, phone: str, **overrides: str
) -> tuple[int, dict[str, Any]]:
    body = {
        "email_code": code_to(aws, email),
        "phone_code": code_to(aws, phone),
        "password": PASSWORD,
        **overrides,
    }
    return aws.call(
        "registration", "POST", f"/v1/registrations/{registration_id}/verification", body=body
    )


def pending_verification(aws: Deployed) -> tuple[str, dict[str, str]]:
    """A new registration, its codes sent: the path of its verification and a body that
    completes it."""
    body = registration()
    status, accepted = start(aws, body)
    assert status == 202, accepted
    codes = {
        "email_code": code_to(aws, body["email"]),
        "phone_code": code_to(aws, e164(body["phone"])),
        "password": PASSWORD,
    }
    return f"/v1/registrations/{accepted['registration_id']}/verification", codes


def registered(aws: Deployed) -> tuple[dict[str, Any], str]:
    """A new customer, registered and verified: their registration body and customer id."""
    body = registration()
    status, accepted = start(aws, body)
    assert status == 202
    status, created = verify(aws, accepted["registration_id"], body["email"], e164(body["phone"]))
    assert status == 201, created
    return body, created["customer_id"]


def me(
    aws: Deployed, customer_id: str, method: str, path: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    """The customer's request to the edit requests function."""
    return aws.call("edit_requests", method, path, body=body, identity=customer(customer_id))


def filed_edit(aws: Deployed) -> tuple[str, str, str]:
    """A new customer's edit request of their email, its code sent: customer, request, new
    email."""
    _, cid = registered(aws)
    new_email = f"moved.{cid[:8]}@example.com"
    change = {"changes": {"email": new_email}, "reason": "new job"}
    status, created = me(aws, cid, "POST", "/v1/me/edit-requests", change)
    assert status == 202, created
    return cid, created["edit_request_id"], new_email


def decide(
    aws: Deployed, edit_id: str, decision: str, *, deliver: bool = True
) -> tuple[int, dict[str, Any]]:
    """Staff's decision; its notices delivered unless ``deliver`` is false."""
    return aws.call(
        "edit_requests",
        "POST",
        f"/v1/staff/edit-requests/{edit_id}/decision",
        body={"decision": decision, "note": "checked"},
        identity=staff("Support"),
        deliver=deliver,
    )


def put_consent(
    aws: Deployed, customer_id: str, purpose: str, body: Any
) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "me", "PUT", f"/v1/me/consents/{purpose}", body=body, identity=customer(customer_id)
    )


def disclose(aws: Deployed, role: str = "Compliance", **body: Any) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "disclosures",
        "POST",
        "/v1/staff/disclosures",
        identity=staff(role),
        body={"recipient": "partner-x", "data_categories": ["contact"], **body},
    )


def announce(aws: Deployed, title: str, kind: str = "service_change") -> str:
    """An announcement posted by an admin (queued, not yet delivered): its id."""
    status, posted = aws.call(
        "announcements",
        "POST",
        "/v1/staff/announcements",
        identity=staff("Admin"),
        body={"kind": kind, "title": title, "body": "Tối nay."},
    )
    assert status == 202, posted
    return str(posted["announcement_id"])


def new_contract(customer_id: str, days: int, plan: str = "Pro") -> dict[str, Any]:
    """The body of a contract for the customer, expiring ``days`` after ``CONTRACTS_NOW``."""
    return {
        "customer_id": customer_id,
        "plan": plan,
        "starts_at": "2026-01-01T00:00:00Z",
        "expires_at": (CONTRACTS_NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def contract(aws: Deployed, customer_id: str, days: int, plan: str = "Pro") -> str:
    """A contract created by Support (see ``new_contract``); its id."""
    status, body = aws.call(
        "contracts",
        "POST",
        "/v1/staff/contracts",
        identity=staff("Support"),
        body=new_contract(customer_id, days, plan),
    )
    assert status == 201, body
    return str(body["contract_id"])


def reminders(aws: Deployed, address: str) -> list[dict[str, Any]]:
    """The expiry reminders sent to ``address``."""
    return [
        m
        for m in aws.messages_to(address)
        if "hết hạn" in (m["subject"] or m["body"]) or "het han" in m["body"]
    ]


def audit_items(aws: Deployed, customer_id: str) -> tuple[Any, str, list[dict[str, Any]]]:
    """A DynamoDB client, the audit table's name, and the subject's items in it."""
    dynamodb = boto3.client("dynamodb")
    table = aws.function("audit").environment["AUDIT_TABLE"]
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SUBJECT#{customer_id}"}},
    )["Items"]
    return dynamodb, table, items
