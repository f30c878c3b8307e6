"""The complaint state machine (P6.2, P3.6) over in-memory stores: which moves are allowed, what
closing needs, and that the complainant's outcome notice is enqueued once, with the move."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from ongpt.complaints.models import ComplaintContact, ComplaintFile
from ongpt.complaints.service import Complaints
from ongpt.customers.service import Customers
from ongpt.notify.delivery import Kind
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.caller import Caller
from ongpt.platform.errors import Conflict, ValidationFailed
from ongpt.platform.pages import PageRequest
from ongpt.storage.outbox import Notice
from tests.support.fakes import (
    FakeAuditLog,
    FakeComplaintStore,
    FakeCustomerStore,
    FakeKeyStore,
    FakeOutbox,
    FakeSendCounters,
    a_customer,
)

GUEST = Caller(kind="guest", id="g-1")
SUPPORT = Caller(kind="staff", id="alice", role="support")


@pytest.fixture
def outbox() -> FakeOutbox:
    return FakeOutbox()


@pytest.fixture
def complaints(outbox: FakeOutbox) -> Complaints:
    key_store, customer_store = FakeKeyStore(), FakeCustomerStore()
    a_customer(customer_store, key_store, "c-1", email="an@example.com")
    return Complaints(
        complaint_store=FakeComplaintStore(),
        customers=Customers(customer_store=customer_store, key_store=key_store),
        key_store=key_store,
        outbox=outbox,
        audit_log=FakeAuditLog(),
        send_limits=SendLimits(FakeSendCounters()),
        clock=lambda: datetime(2026, 3, 1, tzinfo=UTC),
    )


def _filed(complaints: Complaints, who: Caller = GUEST) -> str:
    complaint = ComplaintFile(
        category="privacy",
        subject="Data",
        message="Why was I emailed?",
        contact=ComplaintContact(email="guest@example.com") if who.kind == "guest" else None,
    )
    return str(complaints.file(who, str(uuid.uuid4()), complaint)["complaint_id"])


def told(outbox: FakeOutbox, kind: Kind) -> list[Notice]:
    return [notice for notice in outbox.sent() if notice.kind == kind.value]


@pytest.mark.clause("P6.2")
def test_a_guest_gets_a_receipt_naming_the_complaint_by_its_reference(
    complaints: Complaints, outbox: FakeOutbox
) -> None:
    complaint_id = _filed(complaints)
    (receipt,) = outbox.sent()
    stored = complaints.complaint_store.get(complaint_id)
    assert stored is not None
    # 8 characters, none of 0 O 1 I L U, in groups of 4
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", stored["reference"])
    assert (receipt.kind, receipt.to, receipt.channel) == (
        Kind.COMPLAINT_RECEIVED.value,
        "guest@example.com",
        "email",
    )
    # the filing's time: delivery says it as its day in Vietnam (notify.delivery.said_on)
    assert receipt.values == {"reference": stored["reference"], "filed_on": stored["created_at"]}
    assert receipt.owner.context == {"complaint_id": complaint_id}  # sealed under its own key


@pytest.mark.clause("P6.2")
def test_a_customer_gets_the_receipt_at_the_account_email_sealed_under_their_key(
    complaints: Complaints, outbox: FakeOutbox
) -> None:
    _filed(complaints, Caller(kind="customer", id="c-1"))
    (receipt,) = told(outbox, Kind.COMPLAINT_RECEIVED)
    assert (receipt.to, receipt.channel, receipt.customer_id) == ("an@example.com", "email", "c-1")


@pytest.mark.clause("P3.6", "P6.2")
@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["IN_PROGRESS"], "OPEN"),
        (["IN_PROGRESS"], "IN_PROGRESS"),
        (["RESOLVED"], "IN_PROGRESS"),
        (["REJECTED"], "RESOLVED"),
    ],
)
def test_a_move_back_or_out_of_a_final_state_is_a_conflict(
    complaints: Complaints, path: list[str], refused: str
) -> None:
    complaint_id = _filed(complaints)
    for status in path:
        complaints.update(SUPPORT, complaint_id, status, "Answered by email.")
    with pytest.raises(Conflict):
        complaints.update(SUPPORT, complaint_id, refused, "Again.")


@pytest.mark.clause("P3.6")
def test_closing_needs_a_resolution_and_changes_nothing_without_one(
    complaints: Complaints,
) -> None:
    complaint_id = _filed(complaints)
    with pytest.raises(ValidationFailed):
        complaints.update(SUPPORT, complaint_id, "RESOLVED", None)
    assert complaints.update(SUPPORT, complaint_id, "IN_PROGRESS", None)["status"] == "IN_PROGRESS"


@pytest.mark.clause("P6.2")
def test_the_guest_hears_the_outcome_once_by_the_contact_they_gave(
    complaints: Complaints, outbox: FakeOutbox
) -> None:
    complaint_id = _filed(complaints)
    complaints.update(SUPPORT, complaint_id, "RESOLVED", "We removed you from the list.")
    with pytest.raises(Conflict):
        complaints.update(SUPPORT, complaint_id, "REJECTED", "Later.")
    (outcome,) = told(outbox, Kind.COMPLAINT_OUTCOME)
    assert (outcome.to, outcome.channel) == ("guest@example.com", "email")
    assert outcome.values["resolution"] == "We removed you from the list."
    assert "Data" not in outcome.values.values()  # never the guest's own subject
    assert outcome.owner.context == {"complaint_id": complaint_id}  # sealed under its own key
    stored = complaints.complaint_store.get(complaint_id)
    assert stored is not None
    assert outcome.values["reference"] == stored["reference"]  # the receipt's


@pytest.mark.clause("P6.2")
def test_a_customer_hears_the_outcome_at_the_account_email_sealed_under_their_key(
    complaints: Complaints, outbox: FakeOutbox
) -> None:
    complaint_id = _filed(complaints, Caller(kind="customer", id="c-1"))
    complaints.update(SUPPORT, complaint_id, "REJECTED", "Not ours.")
    (outcome,) = told(outbox, Kind.COMPLAINT_OUTCOME)
    assert (outcome.to, outcome.channel, outcome.customer_id) == ("an@example.com", "email", "c-1")
    audit = complaints.audit_log
    assert isinstance(audit, FakeAuditLog)
    assert audit.actions() == ["complaint.rejected"]


@pytest.mark.clause("P6.2")
def test_a_closing_whose_notice_cannot_be_written_moves_nothing_and_may_be_retried(
    complaints: Complaints, outbox: FakeOutbox
) -> None:
    complaint_id = _filed(complaints)
    outbox.failing.add("guest@example.com")
    with pytest.raises(Exception, match="InternalServerError"):
        complaints.update(SUPPORT, complaint_id, "REJECTED", "Not ours to answer.")
    store = complaints.complaint_store
    assert isinstance(store, FakeComplaintStore)
    assert store.complaints[complaint_id]["status"] == "OPEN"
    outbox.failing.clear()
    complaints.update(SUPPORT, complaint_id, "REJECTED", "Not ours to answer.")
    assert [n.to for n in told(outbox, Kind.COMPLAINT_OUTCOME)] == ["guest@example.com"]


@pytest.mark.clause("P3.6")
def test_staff_read_customers_complaints_audited_and_contacts_masked(
    complaints: Complaints,
) -> None:
    _filed(complaints)
    _filed(complaints, Caller(kind="customer", id="c-1"))
    queue = complaints.queue(SUPPORT, "OPEN", PageRequest(50))
    assert [c["contact"] for c in queue.items] == [{"email": "g***@example.com"}, {}]
    audit = complaints.audit_log
    assert isinstance(audit, FakeAuditLog)
    assert [(e.subject, e.action) for e in audit.appended] == [("c-1", "complaint.read")]


@pytest.mark.clause("P6.2")
def test_a_guest_without_contact_is_refused_and_nothing_is_kept(complaints: Complaints) -> None:
    with pytest.raises(ValidationFailed):
        complaints.file(GUEST, "c-1", ComplaintFile(category="other", subject="x", message="y"))
    store = complaints.complaint_store
    assert isinstance(store, FakeComplaintStore)
    assert store.complaints == {}
