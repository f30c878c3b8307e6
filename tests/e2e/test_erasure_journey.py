"""Issue 15's erasure journey through the local runtime (API.md, Account lifecycle): a customer
who signed in with TOTP closes, is refused sign-in, is reactivated by Support, signs in again and
closes again; a legal hold keeps the account past ``erase_after``; once released, the erasure job
leaves nothing of theirs that can be read, in the tables or in a copy taken before, and the same
addresses may register again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient
from tests.support.erasure import (
    backed_up,
    dumped,
    every_item,
    keys_that_open,
    without_job_runs,
)
from tests.support.runtime import at_once, aws_client, overlap, paused, run_job, serving, warmed
from tests.support.signed import cognito_user_exists, register, sign_in, signed_in_again, staff


def _staff_read(local_runtime: LocalClient, customer_id: str) -> requests.Response:
    return staff(local_runtime, "support").request(
        "GET", f"/v1/staff/customers/{customer_id}?purpose=customer_support"
    )


def _sent(local_runtime: LocalClient, details: dict[str, Any]) -> int:
    return sum(len(local_runtime.outbox(a)) for a in (details["email"], details["e164"]))


@pytest.mark.clause("P2.1", "P2.4", "P4")
def test_a_closed_account_is_held_then_erased_so_that_no_copy_opens_and_its_addresses_are_free(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    details = register(local_runtime, guest)
    details.update(sign_in(local_runtime, details["email"], details["password"]))
    customer_id, pool = details["customer_id"], UserPoolClient(local_runtime.config)
    me = local_runtime.session(id_token=details["tokens"]["IdToken"])

    # Closed, sign-in refused; reactivated by Support, signed in again; closed again.
    assert me.request("POST", "/v1/me/closure", json_body={}).status_code == 202
    with pytest.raises(Exception, match="NotAuthorized"):
        pool.sign_in_with_app(details["email"], details["password"], details["secret"])
    reactivation = {"purpose": "customer_support", "note": "Khách đổi ý"}
    reopened = staff(local_runtime, "support").request(
        "POST", f"/v1/staff/accounts/{customer_id}/reactivation", json_body=reactivation
    )
    assert reopened.status_code == 200
    me = signed_in_again(local_runtime, details)
    assert me.request("GET", "/v1/me").json()["status"] == "ACTIVE"
    closing = me.request("POST", "/v1/me/closure", json_body={"reason": "Chuyển đi"}).json()
    erase_after = closing["erase_after"]
    refused = me.request("GET", "/v1/me")  # credentials from before the closure
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "ACCOUNT_CLOSING")

    # A legal hold keeps the account past its grace period.
    compliance = staff(local_runtime, "compliance")
    hold = {"customer_id": customer_id, "authority_reference": "BCA-2027/9", "reason": "Điều tra"}
    hold_id = compliance.request("POST", "/v1/staff/legal-holds", json_body=hold).json()["hold_id"]
    run_job(local_runtime, "erasure", erase_after)
    assert _staff_read(local_runtime, customer_id).json()["status"] == "CLOSING"
    assert cognito_user_exists(local_runtime, customer_id)
    released = compliance.request(
        "POST", f"/v1/staff/legal-holds/{hold_id}/release", json_body={"note": "Xong"}
    )
    assert released.status_code == 200

    # Erased: nothing of theirs is found or opens, in the tables or a copy taken before.
    dynamodb, kms = aws_client(local_runtime, "dynamodb"), aws_client(local_runtime, "kms")
    before = every_item(dynamodb)
    assert keys_that_open(kms, before, customer_id) == 1  # the key store's, until the erasure
    run_job(local_runtime, "erasure", erase_after)
    assert not cognito_user_exists(local_runtime, customer_id)
    read = _staff_read(local_runtime, customer_id)
    assert (read.status_code, read.json()["error"]["code"]) == (410, "ERASED")
    assert me.request("GET", "/v1/me").status_code == 410
    after = every_item(dynamodb)
    assert keys_that_open(kms, after, customer_id) == 0
    assert keys_that_open(kms, backed_up(before), customer_id) == 0

    def customer_item(table: str, sk: str) -> dict[str, Any]:
        items = before[next(name for name in before if table in name)]
        pk = f"CUSTOMER#{customer_id}"
        return next(i for i in items if i["pk"]["S"] == pk and i["sk"]["S"] == sk)

    profile_before, guarded = (
        customer_item("Customers", "PROFILE"),
        customer_item("Guards", "ADDRESSES"),
    )
    text = dumped(after)
    values = [
        *(details[k] for k in ("email", "e164", "full_name")),
        *(profile_before[a]["S"] for a in ("full_name", "email", "phone")),
        *(guarded[a]["S"] for a in ("email_index", "phone_index")),  # the guards' blind indexes
    ]
    assert [v for v in values if v in text] == []
    trail = compliance.request("GET", f"/v1/staff/audit?customer_id={customer_id}").json()
    assert trail["verification"]["valid"] is True
    assert "customer.erased" in [entry["action"] for entry in trail["entries"]]

    # The job again: nothing sent, nothing changed.
    settled = dumped(without_job_runs(every_item(dynamodb)))
    sent = _sent(local_runtime, details)
    run_job(local_runtime, "erasure", erase_after)
    assert dumped(without_job_runs(every_item(dynamodb))) == settled
    assert _sent(local_runtime, details) == sent

    # The same email and phone register again.
    again = register(local_runtime, guest, email=details["email"], phone=details["phone"])
    assert again["customer_id"] != customer_id


# The erasure's decision (CLOSING -> ERASING) against what comes after the job listed the account:
# the job is paused at its move, as if it had just read the account and its holds.


def _closed(local_runtime: LocalClient, guest: SignedSession) -> tuple[dict[str, Any], str]:
    """A new customer, signed in with TOTP, who closed the account (its notices delivered): the
    details and ``erase_after``."""
    details = register(local_runtime, guest)
    details.update(sign_in(local_runtime, details["email"], details["password"]))
    me = local_runtime.session(id_token=details["tokens"]["IdToken"])
    closing = me.request("POST", "/v1/me/closure", json_body={})
    assert closing.status_code == 202
    local_runtime.outbox(details["email"])  # settled: nothing of the closure is still on its way
    return details, str(closing.json()["erase_after"])


def _actions(local_runtime: LocalClient, customer_id: str) -> list[str]:
    trail = staff(local_runtime, "compliance").request(
        "GET", f"/v1/staff/audit?customer_id={customer_id}"
    )
    return [entry["action"] for entry in trail.json()["entries"]]


@pytest.mark.clause("P2.4", "P4")
def test_reactivations_after_the_job_listed_the_account_keep_it_whole_and_tell_the_customer(
    local_runtime: LocalClient, guest: SignedSession, assembly_dir: Path
) -> None:
    details, erase_after = _closed(local_runtime, guest)
    customer_id = details["customer_id"]
    path = f"/v1/staff/accounts/{customer_id}/reactivation"
    support = staff(local_runtime, "support")

    reactivated = {"purpose": "customer_support", "note": "Khách đổi ý"}

    def reactivation() -> requests.Response:
        return support.request("POST", path, json_body=reactivated)

    def job() -> dict[str, Any]:
        return run_job(local_runtime, "erasure", erase_after)

    warmed(lambda: support.request("POST", path.replace(customer_id, "x"), json_body=reactivated))
    with (
        paused(local_runtime, "TransactWriteItems", customer_id, job) as ran,
        overlap(local_runtime) as peak,
    ):
        answers = at_once([reactivation] * 8, ran.go_on)
    ran.answer.result()

    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 7
    route = "/v1/staff/accounts/{customer_id}/reactivation"
    assert peak[serving(assembly_dir, "POST", route)] > 1
    assert _staff_read(local_runtime, customer_id).json()["status"] == "ACTIVE"
    me = signed_in_again(local_runtime, details)  # the Cognito user is there, and enabled
    assert me.request("GET", "/v1/me").json()["email"] == details["email"]
    actions = _actions(local_runtime, customer_id)
    assert (actions.count("account.reactivate"), actions.count("customer.erased")) == (1, 0)
    # Both addresses told once, with how to close again.
    for address, how in ((details["email"], "Đóng tài khoản"), (details["e164"], "Dong tai khoan")):
        assert [how in m["body"] for m in local_runtime.outbox(address)].count(True) == 1


@pytest.mark.clause("P2.4", "P4")
def test_a_hold_placed_after_the_job_listed_the_account_keeps_it_and_one_release_counts(
    local_runtime: LocalClient, guest: SignedSession, assembly_dir: Path
) -> None:
    details, erase_after = _closed(local_runtime, guest)
    customer_id = details["customer_id"]
    compliance = staff(local_runtime, "compliance")
    hold = {"customer_id": customer_id, "authority_reference": "BCA-2027/12", "reason": "Điều tra"}

    def job() -> dict[str, Any]:
        return run_job(local_runtime, "erasure", erase_after)

    with paused(local_runtime, "TransactWriteItems", customer_id, job) as ran:
        placed = compliance.request("POST", "/v1/staff/legal-holds", json_body=hold)
    assert placed.status_code == 201
    assert ran.answer.result()["held"] >= 1
    assert _staff_read(local_runtime, customer_id).json()["status"] == "CLOSING"
    assert cognito_user_exists(local_runtime, customer_id)
    assert "customer.erased" not in _actions(local_runtime, customer_id)

    path = f"/v1/staff/legal-holds/{placed.json()['hold_id']}/release"

    def release() -> requests.Response:
        return compliance.request("POST", path, json_body={"note": "Xong"})

    with overlap(local_runtime) as peak:
        answers = at_once([release] * 8)
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 7
    assert peak[serving(assembly_dir, "POST", "/v1/staff/legal-holds/{hold_id}/release")] > 1
    assert _actions(local_runtime, customer_id).count("legal_hold.release") == 1
