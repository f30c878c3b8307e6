"""P3.7, P5: disclosures need consent or a legal obligation; each is audited; the customer sees
theirs unless an authority's confidentiality order still runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ongpt.consents.store import ConsentStore
from ongpt.disclosures import service as disclosures_module
from tests.support.deployed import Deployed, customer, staff
from tests.support.failing import failing_once
from tests.support.journeys import audit_items, disclose, put_consent, registered


def confidential(
    aws: Deployed, customer_id: str, recipient: str, until: str
) -> tuple[int, dict[str, Any]]:
    """A disclosure to an authority under a confidentiality order ``until``."""
    return disclose(
        aws,
        customer_id=customer_id,
        legal_basis="legal_obligation",
        recipient=recipient,
        authority_reference="CA-2026-17",
        confidential_until=until,
    )


def seen(aws: Deployed, customer_id: str) -> list[dict[str, Any]]:
    _, body = aws.call("me", "GET", "/v1/me/disclosures", identity=customer(customer_id))
    found: list[dict[str, Any]] = body["disclosures"]
    return found


@pytest.mark.clause("P3.7", "P5")
def test_consent_is_required_then_the_disclosure_is_recorded_audited_and_shown(
    aws: Deployed,
) -> None:
    _, cid = registered(aws)
    status, answer = disclose(aws, customer_id=cid, legal_basis="consent")
    assert (status, answer["error"]["code"]) == (403, "CONSENT_REQUIRED")
    aws.call(
        "me",
        "PUT",
        "/v1/me/consents/third_party_sharing:partner-x",
        body={"granted": True},
        identity=customer(cid),
    )
    status, recorded = disclose(aws, customer_id=cid, legal_basis="consent")
    assert status == 201
    assert [d["disclosure_id"] for d in seen(aws, cid)] == [recorded["disclosure_id"]]
    trail = aws.call(
        "audit", "GET", "/v1/staff/audit", identity=staff("Admin"), query={"customer_id": cid}
    )[1]
    assert "disclosure.record" in {e["action"] for e in trail["entries"]}


@pytest.mark.clause("P3.7", "P5")
def test_a_failed_audit_write_leaves_no_disclosure_and_the_retry_records_one_audited(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    assert put_consent(aws, cid, "third_party_sharing:partner-x", {"granted": True})[0] == 200
    entries = len(audit_items(aws, cid)[2])
    request: dict[str, Any] = {
        "identity": staff("Compliance"),
        "headers": {"Idempotency-Key": f"disclosure-{cid}"},
        "body": {
            "customer_id": cid,
            "recipient": "partner-x",
            "legal_basis": "consent",
            "data_categories": ["contact"],
        },
    }
    audit_table = aws.function("audit").environment["AUDIT_TABLE"]
    failing_once(
        monkeypatch, "InternalServerError", "PutItem", "TransactWriteItems", touching=audit_table
    )
    status, answer = aws.call("disclosures", "POST", "/v1/staff/disclosures", **request)
    monkeypatch.undo()
    assert (status, answer["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert seen(aws, cid) == []  # none unaudited
    assert len(audit_items(aws, cid)[2]) == entries
    answers = [aws.call("disclosures", "POST", "/v1/staff/disclosures", **request) for _ in "ab"]
    assert answers[0][0] == 201
    assert answers[1] == answers[0]  # the first answer, nothing done twice
    assert [d["disclosure_id"] for d in seen(aws, cid)] == [answers[0][1]["disclosure_id"]]
    assert len(audit_items(aws, cid)[2]) == entries + 1


@pytest.mark.clause("P3.7")
def test_a_consent_withdrawn_between_its_read_and_the_write_refuses_the_disclosure(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decide, then act: the disclosure is written only while the consent is as it was read."""
    _, cid = registered(aws)
    purpose = "third_party_sharing:partner-x"
    assert put_consent(aws, cid, purpose, {"granted": True})[0] == 200
    read = ConsentStore.granted

    def read_then_withdrawn(store: ConsentStore, customer_id: str, asked: str) -> bool:
        found = read(store, customer_id, asked)
        monkeypatch.setattr(ConsentStore, "granted", read)
        assert put_consent(aws, customer_id, asked, {"granted": False})[0] == 200
        return found

    monkeypatch.setattr(ConsentStore, "granted", read_then_withdrawn)
    status, answer = disclose(aws, customer_id=cid, legal_basis="consent")
    assert (status, answer["error"]["code"]) == (403, "CONSENT_REQUIRED")
    assert seen(aws, cid) == []
    assert "disclosure.record" not in {e["action"]["S"] for e in audit_items(aws, cid)[2]}


@pytest.mark.clause("P3.7", "P5")
def test_a_legal_obligation_needs_a_reference_and_can_stay_confidential(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    status, answer = disclose(
        aws, customer_id=cid, legal_basis="legal_obligation", recipient="police"
    )
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    until = datetime.now(UTC) + timedelta(days=30)
    status, _ = confidential(aws, cid, "police", until.isoformat())
    assert status == 201
    assert seen(aws, cid) == []
    monkeypatch.setattr(disclosures_module, "utcnow", lambda: until + timedelta(seconds=1))
    assert [d["recipient"] for d in seen(aws, cid)] == ["police"]


@pytest.mark.clause("P3.7")
def test_a_disclosure_about_nobody_is_404(aws: Deployed) -> None:
    assert (
        disclose(
            aws, customer_id="nobody", legal_basis="legal_obligation", authority_reference="x"
        )[0]
        == 404
    )


@pytest.mark.clause("P3.7")
def test_a_confidentiality_date_runs_to_the_end_of_that_day_in_utc(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cid = registered(aws)
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    status, _ = confidential(aws, cid, "court", day.isoformat())
    assert status == 201
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    monkeypatch.setattr(disclosures_module, "utcnow", lambda: midnight - timedelta(seconds=1))
    assert seen(aws, cid) == []
    monkeypatch.setattr(disclosures_module, "utcnow", lambda: midnight)
    assert [d["recipient"] for d in seen(aws, cid)] == ["court"]


@pytest.mark.clause("P3.7")
@pytest.mark.parametrize("until", ["2026-12-01T10:00:00", "2026-02-30", "01/12/2026", "tomorrow"])
def test_a_confidentiality_that_is_neither_a_date_nor_a_time_is_400(
    aws: Deployed, until: str
) -> None:
    _, cid = registered(aws)
    status, answer = confidential(aws, cid, "court", until)
    assert (status, answer["error"]["fields"][0]["field"]) == (400, "confidential_until")
