"""P5, P2.5: staff find customers by exact address, see masked values unless their role and
purpose allow more, and every access is in the customer's verifiable audit chain."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from ongpt.audit.chain import verify
from ongpt.audit.chain_key import ChainKey
from ongpt.audit.models import SYSTEM
from ongpt.audit.store import AuditLog
from tests.support.atomic_moto import atomic_writes
from tests.support.deployed import Deployed, staff
from tests.support.journeys import audit_items, e164, registered


@pytest.fixture(scope="module")
def someone(aws: Deployed) -> dict[str, Any]:
    body, customer_id = registered(aws)
    return {**body, "customer_id": customer_id, "e164": e164(body["phone"])}


def read(
    aws: Deployed, customer_id: str, role: str = "Support", **query: str
) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "staff_customers",
        "GET",
        f"/v1/staff/customers/{customer_id}",
        identity=staff(role),
        query=query,
    )


def audit_of(aws: Deployed, customer_id: str, role: str = "Compliance") -> dict[str, Any]:
    status, body = aws.call(
        "audit", "GET", "/v1/staff/audit", identity=staff(role), query={"customer_id": customer_id}
    )
    assert status == 200
    return body


def search(
    aws: Deployed, body: dict[str, Any], role: str = "Support"
) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "staff_customers", "POST", "/v1/staff/customers/search", identity=staff(role), body=body
    )


@pytest.mark.clause("P5")
def test_search_by_exact_email_or_phone_after_normalisation(
    aws: Deployed, someone: dict[str, Any]
) -> None:
    for address in (
        {"email": someone["email"].upper()},
        {"phone": someone["phone"]},
        {"phone": someone["e164"]},
    ):
        status, body = search(aws, {**address, "purpose": "customer_support"})
        assert (status, body) == (200, {"customer_id": someone["customer_id"], "status": "ACTIVE"})
    status, _ = search(aws, {"email": "nobody@example.com", "purpose": "customer_support"})
    assert status == 404


@pytest.mark.clause("P5", "P3.5")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "customer_support"}, "body"),
        ({"email": "a@example.com", "phone": "0967915569", "purpose": "legal_request"}, "body"),
        ({"email": "a@example.com"}, "purpose"),
        ({"email": "a@example.com", "purpose": "curiosity"}, "purpose"),
        ({"email": "", "purpose": "customer_support"}, "email"),
    ],
    ids=["neither address", "both addresses", "no purpose", "unknown purpose", "empty email"],
)
def test_a_search_names_one_address_and_a_purpose(
    aws: Deployed, body: dict[str, Any], field: str
) -> None:
    status, answer = search(aws, body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert answer["error"]["fields"][0]["field"] == field


@pytest.mark.clause("P5", "P2.5")
def test_a_search_is_audited_with_its_purpose_and_no_address(aws: Deployed) -> None:
    body, customer_id = registered(aws)
    status, _ = search(aws, {"phone": body["phone"], "purpose": "contract_delivery"}, "Admin")
    assert status == 200
    (entry,) = [
        e for e in audit_of(aws, customer_id)["entries"] if e["action"] == "customer.search"
    ]
    assert (entry["role"], entry["purpose"], entry["details"]) == (
        "admin",
        "contract_delivery",
        {"by": "phone"},
    )
    assert body["phone"] not in str(entry)


@pytest.mark.clause("P5", "P2.5")
def test_a_search_that_finds_nobody_is_audited_too_in_the_chain_of_no_customer(
    aws: Deployed,
) -> None:
    """There is no customer's chain to write to: the miss goes to ``SYSTEM``'s, naming who
    searched, why and by what kind of address, never the address."""
    searcher = f"s{uuid.uuid4().hex[:8]}"
    email = f"khong.ai.{uuid.uuid4().hex[:8]}@example.com"
    status, _ = aws.call(
        "staff_customers",
        "POST",
        "/v1/staff/customers/search",
        identity=staff("Compliance", searcher),
        body={"email": email, "purpose": "legal_request"},
    )
    assert status == 404
    chain = audit_of(aws, SYSTEM)
    (entry,) = [e for e in chain["entries"] if e["actor"] == searcher]
    assert (entry["action"], entry["role"], entry["purpose"], entry["details"]) == (
        "customer.search",
        "compliance",
        "legal_request",
        {"by": "email", "found": False},
    )
    assert email.split("@")[0] not in str(chain)
    assert chain["verification"]["valid"] is True


@pytest.mark.clause("P5")
def test_the_search_by_query_string_is_gone(aws: Deployed, someone: dict[str, Any]) -> None:
    status, _ = aws.call(
        "staff_customers",
        "GET",
        "/v1/staff/customers",
        identity=staff("Support"),
        query={"email": someone["email"], "purpose": "customer_support"},
    )
    assert status == 404


@pytest.mark.clause("P5", "P2.5")
def test_reading_the_audit_log_is_itself_audited(aws: Deployed) -> None:
    _, customer_id = registered(aws)
    read(aws, customer_id, purpose="customer_support")
    first = audit_of(aws, customer_id, "Compliance")
    second = audit_of(aws, customer_id, "Admin")
    reads = [(e["action"], e["role"]) for e in second["entries"] if e["action"] == "audit.read"]
    assert reads == [("audit.read", "compliance"), ("audit.read", "admin")]
    assert first["entries"][-1]["action"] == "audit.read"  # written before it was returned
    assert second["verification"]["valid"] is True


@pytest.mark.clause("P5")
def test_a_read_is_masked_by_default(aws: Deployed, someone: dict[str, Any]) -> None:
    status, body = read(aws, someone["customer_id"], purpose="customer_support")
    assert status == 200
    assert body["full_name"] == "N*** V** A*"
    assert body["email"] == "a***@example.com"
    assert body["phone"] == "+84******" + someone["e164"][-3:]
    assert body["masked"] is True


@pytest.mark.clause("P5", "P3.5")
def test_support_may_reveal_compliance_only_for_a_legal_request(
    aws: Deployed, someone: dict[str, Any]
) -> None:
    status, body = read(aws, someone["customer_id"], purpose="customer_support", reveal="true")
    assert (status, body["full_name"], body["phone"]) == (200, "Nguyễn Văn An", someone["e164"])
    status, body = read(
        aws, someone["customer_id"], "Compliance", purpose="customer_support", reveal="true"
    )
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
    status, body = read(
        aws, someone["customer_id"], "Compliance", purpose="legal_request", reveal="true"
    )
    assert (status, body["full_name"]) == (200, "Nguyễn Văn An")


@pytest.mark.clause("P5", "P3.5")
@pytest.mark.parametrize(
    "query", [{}, {"purpose": "curiosity"}], ids=["no purpose", "unknown purpose"]
)
def test_a_read_without_a_valid_purpose_is_refused(
    aws: Deployed, someone: dict[str, Any], query: dict[str, str]
) -> None:
    status, body = read(aws, someone["customer_id"], **query)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert body["error"]["fields"][0]["field"] == "purpose"


@pytest.mark.clause("P5")
def test_a_customer_cannot_use_staff_routes(aws: Deployed, someone: dict[str, Any]) -> None:
    from tests.support.deployed import customer

    status, body = aws.call(
        "staff_customers",
        "GET",
        f"/v1/staff/customers/{someone['customer_id']}",
        identity=customer(someone["customer_id"]),
        query={"purpose": "customer_support"},
    )
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


@pytest.mark.clause("P5", "P2.5")
def test_every_staff_access_is_in_the_verified_audit_chain(aws: Deployed) -> None:
    body, customer_id = registered(aws)
    read(aws, customer_id, purpose="customer_support")
    read(aws, customer_id, "Admin", purpose="contract_delivery", reveal="true")
    trail = audit_of(aws, customer_id)
    actions = [(e["action"], e["role"], e["purpose"], e["actor"]) for e in trail["entries"]]
    assert ("customer.read", "support", "customer_support", "alice") in actions
    assert ("customer.reveal", "admin", "contract_delivery", "alice") in actions
    assert trail["verification"] == {"valid": True, "checked": len(actions), "first_bad": None}
    assert body["email"] not in str(trail)


@pytest.mark.clause("P2.5", "P5")
def test_an_edited_audit_entry_breaks_the_chain_and_is_named(aws: Deployed) -> None:
    _, customer_id = registered(aws)
    for purpose in ("customer_support", "contract_delivery", "complaint_resolution"):
        read(aws, customer_id, purpose=purpose)
    dynamodb, table, items = audit_items(aws, customer_id)
    dynamodb.update_item(
        TableName=table,
        Key={"pk": items[1]["pk"], "sk": items[1]["sk"]},
        UpdateExpression="SET purpose = :p",
        ExpressionAttributeValues={":p": {"S": "legal_request"}},
    )
    verification = audit_of(aws, customer_id)["verification"]
    assert verification["valid"] is False
    assert verification["first_bad"] == {"sequence": 2, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_deleted_audit_entry_breaks_the_chain_and_is_named(aws: Deployed) -> None:
    _, customer_id = registered(aws)
    for purpose in ("customer_support", "contract_delivery", "complaint_resolution"):
        read(aws, customer_id, purpose=purpose)
    dynamodb, table, items = audit_items(aws, customer_id)
    dynamodb.delete_item(TableName=table, Key={"pk": items[1]["pk"], "sk": items[1]["sk"]})
    verification = audit_of(aws, customer_id)["verification"]
    assert verification["first_bad"] == {"sequence": 2, "reason": "missing"}


@pytest.mark.clause("P2.5")
def test_twenty_concurrent_appends_leave_one_valid_chain(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = aws.function("audit").environment["AUDIT_TABLE"]
    key = ChainKey(boto3.client("kms"), aws.function("audit").environment["AUDIT_KEY_ID"])
    log = AuditLog(boto3.client("dynamodb"), table, key)
    subject = "concurrency-subject"

    def append(i: int) -> int:
        return (
            AuditLog(boto3.client("dynamodb"), table, key)
            .append(subject, actor=f"writer-{i}", role="support", action="test.append")
            .sequence
        )

    with atomic_writes(monkeypatch), ThreadPoolExecutor(max_workers=20) as pool:
        sequences = list(pool.map(append, range(20)))
    assert sorted(sequences) == list(range(1, 21))
    entries = log.entries(subject)
    assert len(entries) == 20
    assert verify(entries, keyed=key.valid).valid
