"""P3.3, P3.4, P3.7 (consent side), GDPR art. 7: consents per purpose, one call to grant or to
withdraw, the history kept, every change audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ongpt import services
from ongpt.consents import service as consents_module
from tests.support.deployed import Deployed, customer, staff
from tests.support.failing import failing_once
from tests.support.journeys import audit_items, disclose, put_consent, registered


def consents(aws: Deployed, customer_id: str) -> dict[str, Any]:
    status, body = aws.call("me", "GET", "/v1/me/consents", identity=customer(customer_id))
    assert status == 200
    return {c["purpose"]: c["granted"] for c in body["consents"]}


@pytest.mark.clause("P3.3", "P3.7")
def test_registration_records_the_consents_given(aws: Deployed) -> None:
    _, cid = registered(aws)
    assert consents(aws, cid) == {
        "privacy_policy": True,
        "terms": True,
        "marketing": False,
        "product_updates": True,
    }


@pytest.mark.clause("P3.3", "P3.7")
def test_granting_and_withdrawing_are_one_call_each_with_history_and_audit(aws: Deployed) -> None:
    _, cid = registered(aws)
    status, state = put_consent(aws, cid, "marketing", {"granted": True})
    assert (status, state["purpose"], state["granted"]) == (200, "marketing", True)
    assert consents(aws, cid)["marketing"] is True
    assert put_consent(aws, cid, "marketing", {"granted": False})[0] == 200
    assert consents(aws, cid)["marketing"] is False
    with aws.environment_of("me"):
        history = [
            h["granted"] for h in services.consents().history(cid) if h["purpose"] == "marketing"
        ]
    assert history == [False, True, False]  # registration, grant, withdrawal
    _, trail = aws.call(
        "audit", "GET", "/v1/staff/audit", identity=staff("Compliance"), query={"customer_id": cid}
    )
    assert [e["action"] for e in trail["entries"] if e["action"].startswith("consent.")] == [
        "consent.grant",
        "consent.withdraw",
    ]


def consent_actions(aws: Deployed, customer_id: str) -> list[str]:
    entries = audit_items(aws, customer_id)[2]
    return [e["action"]["S"] for e in entries if e["action"]["S"].startswith("consent.")]


@pytest.mark.clause("P3.3", "P3.7")
def test_a_failed_audit_write_leaves_the_consent_unchanged_and_the_retry_changes_it_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    audit_table = aws.function("audit").environment["AUDIT_TABLE"]
    failing_once(
        monkeypatch, "InternalServerError", "PutItem", "TransactWriteItems", touching=audit_table
    )
    status, answer = put_consent(aws, cid, "marketing", {"granted": True})
    monkeypatch.undo()
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert consents(aws, cid)["marketing"] is False
    with aws.environment_of("me"):
        history = [h for h in services.consents().history(cid) if h["purpose"] == "marketing"]
    assert len(history) == 1  # registration's only
    assert consent_actions(aws, cid) == []
    assert put_consent(aws, cid, "marketing", {"granted": True})[0] == 200
    assert consents(aws, cid)["marketing"] is True
    assert consent_actions(aws, cid) == ["consent.grant"]


@pytest.mark.clause("P3.3", "P3.7")
def test_a_second_change_of_a_purpose_at_the_same_instant_is_409_and_changes_nothing(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    instant = datetime.now(UTC)
    monkeypatch.setattr(consents_module, "utcnow", lambda: instant)
    assert put_consent(aws, cid, "marketing", {"granted": True})[0] == 200
    status, answer = put_consent(aws, cid, "marketing", {"granted": False})
    assert (status, answer["error"]["code"]) == (409, "CONFLICT")
    assert consents(aws, cid)["marketing"] is True
    assert consent_actions(aws, cid) == ["consent.grant"]


@pytest.mark.clause("P3.7")
def test_third_party_sharing_is_per_recipient(aws: Deployed) -> None:
    _, cid = registered(aws)
    assert put_consent(aws, cid, "third_party_sharing:partner-x", {"granted": True})[0] == 200
    assert consents(aws, cid)["third_party_sharing:partner-x"] is True
    assert "third_party_sharing:partner-y" not in consents(aws, cid)


@pytest.mark.clause("P3.7")
def test_a_recipient_of_64_characters_can_be_granted_and_disclosed_to(aws: Deployed) -> None:
    _, cid = registered(aws)
    recipient = "partner-" + "x" * 56  # API.md: recipient slug [a-z0-9-]{2,64}
    assert len(recipient) == 64
    status, state = put_consent(aws, cid, f"third_party_sharing:{recipient}", {"granted": True})
    assert status == 200, state
    assert consents(aws, cid)[f"third_party_sharing:{recipient}"] is True
    status, disclosed = disclose(aws, customer_id=cid, recipient=recipient, legal_basis="consent")
    assert status == 201, disclosed


@pytest.mark.clause("P3.7")
@pytest.mark.parametrize(
    ("purpose", "body"),
    [
        ("privacy_policy", {"granted": False}),
        ("third_party_sharing:X!", {"granted": True}),
        ("third_party_sharing:a", {"granted": True}),
        ("third_party_sharing:" + "x" * 65, {"granted": True}),
        ("newsletter", {"granted": True}),
        ("marketing", {"granted": "yes"}),
        ("marketing", {}),
        ("marketing", {"granted": True, "extra": 1}),
    ],
)
def test_bad_consent_changes_are_400(aws: Deployed, purpose: str, body: Any) -> None:
    _, cid = registered(aws)
    status, answer = put_consent(aws, cid, purpose, body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.clause("P3.7", "P3.3")
def test_a_customer_changes_only_their_own_consents(aws: Deployed) -> None:
    _, a = registered(aws)
    _, b = registered(aws)
    put_consent(aws, a, "marketing", {"granted": True})
    assert consents(aws, b)["marketing"] is False
