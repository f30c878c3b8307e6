"""A retry whose first attempt committed but whose idempotency record was never completed
(Powertools' ``UpdateItem`` failed after the change: ``ongpt.storage.replays``) gets the first
answer and writes nothing twice; another request (another key) is refused as before, or, for
what a request creates, makes its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.deployed import Deployed, customer, guest, staff
from tests.support.idempotency import forget_answers
from tests.support.journeys import (
    audit_items,
    code_to,
    contract,
    e164,
    filed_edit,
    pending_verification,
    put_consent,
    registered,
)
from tests.support.lifecycle import LIFECYCLE, close, place_hold, start_recovery


@dataclass(frozen=True)
class Change:
    """A request that moves an item to another state: which function, route, caller and body,
    and whose audit chain it writes to (None: the customer its answer names)."""

    function: str
    path: str
    who: dict[str, Any]
    body: Any = None
    subject: str | None = None

    def send(self, aws: Deployed, key: str) -> tuple[int, dict[str, Any]]:
        return aws.call(
            self.function,
            "POST",
            self.path,
            body=self.body,
            identity=self.who,
            headers={"Idempotency-Key": key},
        )


def _registration_verification(aws: Deployed) -> Change:
    path, codes = pending_verification(aws)
    return Change("registration", path, guest(), codes)


def _edit_verification(aws: Deployed) -> Change:
    cid, eid, new_email = filed_edit(aws)
    path = f"/v1/me/edit-requests/{eid}/verification"
    code = {"email_code": code_to(aws, new_email)}
    return Change("edit_requests", path, customer(cid), code, subject=cid)


def _edit_withdrawal(aws: Deployed) -> Change:
    cid, eid, _ = filed_edit(aws)
    path = f"/v1/me/edit-requests/{eid}/withdraw"
    return Change("edit_requests", path, customer(cid), subject=cid)


def _edit_decision(decision: str) -> Callable[[Deployed], Change]:
    def prepare(aws: Deployed) -> Change:
        cid, eid, new_email = filed_edit(aws)
        proof = {"email_code": code_to(aws, new_email)}
        verification = f"/v1/me/edit-requests/{eid}/verification"
        assert (
            aws.call("edit_requests", "POST", verification, body=proof, identity=customer(cid))[0]
            == 200
        )
        path = f"/v1/staff/edit-requests/{eid}/decision"
        body = {"decision": decision, "note": "checked"}
        return Change("edit_requests", path, staff("Support"), body, subject=cid)

    return prepare


def _recovery_verification(aws: Deployed) -> Change:
    body, cid = registered(aws)
    status, started = start_recovery(aws, body["email"], body["phone"])
    assert status == 202, started
    proof = {
        "email_code": code_to(aws, body["email"].lower()),
        "phone_code": code_to(aws, e164(body["phone"])),
        "new_password": "another-Horse-battery-7",
        "reset_mfa": True,
    }
    path = f"/v1/recoveries/{started['recovery_id']}/verification"
    return Change(LIFECYCLE, path, guest(), proof, subject=cid)


def _renewal(aws: Deployed) -> Change:
    _, cid = registered(aws)
    path = f"/v1/staff/contracts/{contract(aws, cid, 200)}/renewal"
    body = {"expires_at": "2028-06-01T00:00:00Z"}
    return Change("contracts", path, staff("Support"), body, subject=cid)


def _reactivation(aws: Deployed) -> Change:
    _, cid = registered(aws)
    assert close(aws, cid)[0] == 202
    path = f"/v1/staff/accounts/{cid}/reactivation"
    body = {"purpose": "customer_support", "note": "Khách gọi điện xin mở lại"}
    return Change(LIFECYCLE, path, staff("Support"), body, subject=cid)


def _hold_release(aws: Deployed) -> Change:
    _, cid = registered(aws)
    status, hold = place_hold(aws, cid)
    assert status == 201, hold
    path = f"/v1/staff/legal-holds/{hold['hold_id']}/release"
    return Change(LIFECYCLE, path, staff("Admin"), {"note": "Hết hạn"}, subject=cid)


CHANGES: dict[str, tuple[Callable[[Deployed], Change], int]] = {  # the change, its refusal
    "registration verification": (_registration_verification, 409),
    "edit request verification": (_edit_verification, 409),
    "edit request withdrawal": (_edit_withdrawal, 409),
    "edit request approval": (_edit_decision("approve"), 409),
    "edit request rejection": (_edit_decision("reject"), 409),
    "recovery verification": (_recovery_verification, 409),
    "contract renewal": (_renewal, 400),
    "reactivation": (_reactivation, 409),
    "legal hold release": (_hold_release, 409),
}


@pytest.mark.parametrize("name", CHANGES)
def test_a_retry_of_a_committed_change_gets_the_first_answer_and_another_request_is_refused(
    aws: Deployed, name: str
) -> None:
    prepare, refusal = CHANGES[name]
    change = prepare(aws)
    key = str(uuid.uuid4())
    first = change.send(aws, key)
    assert first[0] in (200, 201), first
    subject = change.subject or first[1]["customer_id"]
    entries = len(audit_items(aws, subject)[2])

    forget_answers(aws, change.function)
    assert change.send(aws, key) == first
    assert len(audit_items(aws, subject)[2]) == entries  # nothing written again

    forget_answers(aws, change.function)
    assert change.send(aws, str(uuid.uuid4()))[0] == refusal
    assert change.send(aws, key) == first  # the refusal changed nothing: still its own change


def test_a_retried_disclosure_is_recorded_once_and_answered_as_recorded_after_consent_ends(
    aws: Deployed,
) -> None:
    _, cid = registered(aws)
    assert put_consent(aws, cid, "third_party_sharing:partner-x", {"granted": True})[0] == 200
    body = {
        "customer_id": cid,
        "recipient": "partner-x",
        "data_categories": ["contact"],
        "legal_basis": "consent",
    }
    disclosure = Change("disclosures", "/v1/staff/disclosures", staff("Compliance"), body)
    key = str(uuid.uuid4())

    first = disclosure.send(aws, key)
    assert first[0] == 201, first
    forget_answers(aws, "disclosures")
    assert disclosure.send(aws, key) == first
    other = disclosure.send(aws, str(uuid.uuid4()))
    assert other[0] == 201
    assert other[1] != first[1]

    _, listed = aws.call("me", "GET", "/v1/me/disclosures", identity=customer(cid))
    ids = [d["disclosure_id"] for d in listed["disclosures"]]
    # Listed once each (a page of a customer's disclosures is in id order: API.md names none).
    assert sorted(ids) == sorted([first[1]["disclosure_id"], other[1]["disclosure_id"]])
    actions = [i["action"]["S"] for i in audit_items(aws, cid)[2]]
    assert actions.count("disclosure.record") == 2

    # Recorded under the consent it had then: a retry answers so after it is withdrawn; a new
    # request needs the consent.
    assert put_consent(aws, cid, "third_party_sharing:partner-x", {"granted": False})[0] == 200
    forget_answers(aws, "disclosures")
    assert disclosure.send(aws, key) == first
    assert disclosure.send(aws, str(uuid.uuid4()))[0] == 403
