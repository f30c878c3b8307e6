"""Erasure (API.md, *Erasure*; issue 15), in-process over moto: an account closed past its grace
period with no active hold is crypto-shredded, resumably and once; a restore is erased again
from the ledger."""

from __future__ import annotations

import itertools
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ongpt import services
from ongpt.erasure import store as erasure_store
from ongpt.erasure.service import Allowance, Decision
from ongpt.lifecycle.store import LifecycleStore
from ongpt.platform.pages import Page, Position
from ongpt.security import normalize
from ongpt.security.crypto import BlindIndex
from ongpt.storage.dynamo import transact
from tests.support.deployed import Deployed, customer, staff
from tests.support.erasure import (
    backed_up,
    close,
    complaint_fields_that_open,
    complaints_of,
    dumped,
    every_item,
    hold,
    keys_that_open,
    without_job_runs,
)
from tests.support.failing import failing_once
from tests.support.faults import CallLog, calls_of, faults_of
from tests.support.jobs import CONTINUE, RunningOut, run_erasure
from tests.support.journeys import (
    NAME,
    contract,
    e164,
    me,
    put_consent,
    registered,
    start,
    verify,
)
from tests.support.lifecycle import holds, lifecycle, place_hold, reactivate

NOW = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)


def _table(aws: Deployed) -> str:
    return aws.function("erasure").environment["CUSTOMERS_TABLE"]


def _profile(aws: Deployed, customer_id: str) -> dict[str, Any]:
    found = boto3.client("dynamodb").get_item(
        TableName=_table(aws),
        Key={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}},
    )
    return dict(found["Item"])


def _closed_customer(
    aws: Deployed, days_ago: int = 1, *, records: bool = True
) -> tuple[dict[str, Any], str]:
    """A customer with a complaint (and a consent, an edit request, a contract and notices unless
    not ``records``), closed with ``erase_after`` ``days_ago`` days before ``NOW``."""
    body, customer_id = registered(aws)
    if records:
        assert put_consent(aws, customer_id, "marketing", {"granted": True})[0] == 200
        edit = {"changes": {"full_name": "Nguyễn Văn Bình"}, "reason": "Tên mới"}
        assert me(aws, customer_id, "POST", "/v1/me/edit-requests", edit)[0] == 202
        contract(aws, customer_id, 200)
    complaint = {"category": "service", "subject": "Hoá đơn", "message": "Sai."}
    filed = aws.call(
        "complaints", "POST", "/v1/complaints", body=complaint, identity=customer(customer_id)
    )
    assert filed[0] == 201
    close(boto3.client("dynamodb"), _table(aws), customer_id, NOW - timedelta(days=days_ago))
    return body, customer_id


def _cognito_user(aws: Deployed, customer_id: str) -> bool:
    pool = aws.function("registration").environment["USER_POOL_ID"]
    try:
        boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username=customer_id)
    except ClientError as error:
        return error.response["Error"]["Code"] != "UserNotFoundException"
    return True


def _staff_read(aws: Deployed, customer_id: str) -> tuple[int, dict[str, Any]]:
    return aws.call(
        "staff_customers",
        "GET",
        f"/v1/staff/customers/{customer_id}",
        identity=staff("Support"),
        query={"purpose": "customer_support"},
    )


def _audit(aws: Deployed, customer_id: str) -> dict[str, Any]:
    """The customer's audit chain and its verification, as Admin reads it."""
    query = {"customer_id": customer_id}
    return aws.call("audit", "GET", "/v1/staff/audit", identity=staff("Admin"), query=query)[1]


def _erased_everywhere(aws: Deployed, customer_id: str, before: dict[str, Any]) -> None:
    """What erasure promises, checked against the tables and ``before``, their copy taken before
    the erasure: nothing of the customer's opens or is found (their complaints' text from the copy
    included, with any key of the tables or of a backup), and their chain verifies."""
    dynamodb, kms = boto3.client("dynamodb"), boto3.client("kms")
    profile = before["profile"]
    now = every_item(dynamodb, at=NOW)
    backup = backed_up(before["tables"])
    assert keys_that_open(kms, now, customer_id) == 0
    assert keys_that_open(kms, backup, customer_id) == 0  # a backup's copy
    for complaint in complaints_of(before["tables"], customer_id):
        assert complaint_fields_that_open(kms, now, complaint) == []
        assert complaint_fields_that_open(kms, backup, complaint) == []
    text = dumped(now)
    for attribute in ("full_name", "email", "phone", "optional"):
        assert profile[attribute]["S"] not in text, attribute  # sealed values
    assert [index for index in before["indexes"] if index in text] == []  # the guards
    left = [i["sk"]["S"] for i in now[_table(aws)] if i["pk"]["S"] == f"CUSTOMER#{customer_id}"]
    assert not [sk for sk in left if sk.startswith(("CONSENT#", "NOTICE#", "EDIT#"))]
    assert not _cognito_user(aws, customer_id)
    status, answer = _staff_read(aws, customer_id)
    assert (status, answer["error"]["code"]) == (410, "ERASED")
    status, answer = aws.call("me", "GET", "/v1/me", identity=customer(customer_id))
    assert (status, answer["error"]["code"]) == (410, "ERASED")  # credentials from before
    trail = _audit(aws, customer_id)
    assert trail["verification"]["valid"] is True
    assert trail["entries"][-2]["action"] == "customer.erased"  # then the audit read itself


def _copy(aws: Deployed, customer_id: str) -> dict[str, Any]:
    """A copy of every table, taken before the erasure: only the key store holds the customer's
    keys (theirs and each complaint's), with which their complaints' text opens; only the guards'
    table their addresses' blind indexes (``indexes``)."""
    dynamodb, kms = boto3.client("dynamodb"), boto3.client("kms")
    tables = every_item(dynamodb)
    record = dynamodb.get_item(
        TableName=aws.function("erasure").environment["GUARDS_TABLE"],
        Key={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "ADDRESSES"}},
    )["Item"]
    indexes = [record[f"{address}_index"]["S"] for address in ("email", "phone")]
    assert [index for index in indexes if index in dumped(backed_up(tables))] == []
    complaints = complaints_of(tables, customer_id)
    assert keys_that_open(kms, tables, customer_id) == 1 + len(complaints)  # the key store's
    assert keys_that_open(kms, backed_up(tables), customer_id) == 0  # no backup holds a key
    for complaint in complaints:
        assert complaint_fields_that_open(kms, tables, complaint) == [
            "contact",
            "message",
            "subject",
        ]
    return {"tables": tables, "profile": _profile(aws, customer_id), "indexes": indexes}


@pytest.mark.clause("P2.1", "P2.4", "P4")
def test_an_account_closed_past_its_grace_period_is_erased_and_no_copy_opens(
    aws: Deployed,
) -> None:
    body, customer_id = _closed_customer(aws)
    before = _copy(aws, customer_id)

    assert run_erasure(aws, NOW) == {"erased": 1, "held": 0, "replayed": 0, "more": False}

    _erased_everywhere(aws, customer_id, before)
    kept = [i for i in every_item(boto3.client("dynamodb"))[_table(aws)] if customer_id in str(i)]
    assert {i["sk"]["S"].split("#")[0] for i in kept} >= {"PROFILE", "CONTRACT", "COMPLAINT"}
    # The same email and phone may register again.
    again = {**body, "email": body["email"].lower()}
    _, accepted = start(aws, again)
    status, created = verify(aws, accepted["registration_id"], again["email"], e164(body["phone"]))
    assert status == 201, created
    assert (
        aws.call("me", "GET", "/v1/me", identity=customer(created["customer_id"]))[1]["full_name"]
        == NAME
    )


@pytest.mark.clause("P2.4", "P4")
def test_no_backed_up_table_ties_an_address_to_its_customer(aws: Deployed) -> None:
    """A blind index ties an address to a customer's id for as long as the blind-index key lives,
    longer than any erasure: it is kept only where erasure's bound holds (the guards' table: no
    backups, 7 days of PITR), never in the profile or an edit request, backed up for a year."""
    body, customer_id = registered(aws)
    new_email = f"moi.{customer_id[:8]}@example.com"
    change = {"changes": {"email": new_email}, "reason": "Địa chỉ mới"}
    assert me(aws, customer_id, "POST", "/v1/me/edit-requests", change)[0] == 202
    key_id = aws.function("staff_customers").environment["BLIND_INDEX_KEY_ID"]
    blind_index = BlindIndex(boto3.client("kms"), key_id)
    indexes = [
        blind_index.of("email", normalize.email_key(body["email"])),
        blind_index.of("phone", e164(body["phone"])),
        blind_index.of("email", normalize.email_key(new_email)),
    ]
    backups = dumped(backed_up(every_item(boto3.client("dynamodb"))))
    assert [index for index in indexes if index in backups] == []


@pytest.mark.clause("P2.4")
def test_running_the_job_again_erases_sends_and_changes_nothing(aws: Deployed) -> None:
    body, _ = _closed_customer(aws)
    run_erasure(aws, NOW)
    dynamodb = boto3.client("dynamodb")
    after_first = dumped(without_job_runs(every_item(dynamodb)))
    sent = len(aws.messages_to(body["email"]))
    again = run_erasure(aws, NOW + timedelta(days=1))
    assert again == {"erased": 0, "held": 0, "replayed": 0, "more": False}
    assert dumped(without_job_runs(every_item(dynamodb))) == after_first
    assert len(aws.messages_to(body["email"])) == sent


@pytest.mark.clause("P2.4", "P4")
def test_an_account_still_in_its_grace_period_or_held_is_not_erased(aws: Deployed) -> None:
    dynamodb = boto3.client("dynamodb")
    _, not_yet = _closed_customer(aws, days_ago=-1)  # erase_after is tomorrow
    _, held = _closed_customer(aws)
    hold(dynamodb, _table(aws), held)
    assert run_erasure(aws, NOW) == {"erased": 0, "held": 1, "replayed": 0, "more": False}
    for customer_id in (not_yet, held):
        assert _profile(aws, customer_id)["status"]["S"] == "CLOSING"
        assert _cognito_user(aws, customer_id)
        assert _staff_read(aws, customer_id)[0] == 200
    hold(dynamodb, _table(aws), held, status="RELEASED")
    assert run_erasure(aws, NOW) == {"erased": 1, "held": 0, "replayed": 0, "more": False}
    assert _profile(aws, held)["status"]["S"] == "ERASED"


# The fault table's "job erasure" row fails the same calls in make test, each retried run left as
# the clean run leaves it; this test, which also reads every table twice a fault, runs in the
# chaos tier (make chaos).
@pytest.mark.chaos
@pytest.mark.clause("P2.4")
def test_a_fault_at_any_aws_call_of_the_erasure_is_finished_by_the_next_run(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = _closed_customer(aws, records=False)
    calls = calls_of(monkeypatch, lambda: run_erasure(aws, NOW))
    assert _profile(aws, first)["status"]["S"] == "ERASED"
    for fault in faults_of(calls):
        _, customer_id = _closed_customer(aws, records=False)
        before = _copy(aws, customer_id)
        with suppress(Exception), CallLog(fail=fault).installed(monkeypatch) as log:
            run_erasure(aws, NOW)  # fails: EventBridge Scheduler retries, or tomorrow's run
        assert len(log.calls) > fault.call, f"{fault}: the call was never reached"
        assert run_erasure(aws, NOW)["erased"] <= 1, fault
        _erased_everywhere(aws, customer_id, before)
        chain = _audit(aws, customer_id)["entries"]
        assert [e["action"] for e in chain].count("customer.erased") == 1, fault
    print(f"\nerasure: {len(calls)} AWS calls, {len(faults_of(calls))} faults: {calls}")


@pytest.mark.clause("P2.4", "P4")
def test_a_restore_from_before_the_erasure_is_erased_again_from_the_ledger(aws: Deployed) -> None:
    """The customers' table restored to a point before the erasure (its items put back) brings
    back the guards and the stripped profile, never the key: replaying the ledger from the
    restore point erases it all again."""
    dynamodb = boto3.client("dynamodb")
    _, customer_id = _closed_customer(aws)
    before = _copy(aws, customer_id)
    run_erasure(aws, NOW)
    table = _table(aws)
    for item in before["tables"][table]:
        dynamodb.put_item(TableName=table, Item=item)  # the restore
    assert _profile(aws, customer_id)["status"]["S"] == "CLOSING"

    replayed = run_erasure(aws, NOW + timedelta(days=2), replay_since="2027-02-28T00:00:00Z")

    assert replayed["replayed"] >= 1
    assert _profile(aws, customer_id)["status"]["S"] == "ERASED"
    _erased_everywhere(aws, customer_id, before)


@pytest.mark.clause("P2.4", "P6.2")
def test_the_complaints_of_an_erased_customer_lose_their_text_and_key_and_leave_the_queues(
    aws: Deployed,
) -> None:
    _, customer_id = _closed_customer(aws)
    dynamodb = boto3.client("dynamodb")
    pointer = next(
        i
        for i in every_item(dynamodb)[_table(aws)]
        if i["pk"]["S"] == f"CUSTOMER#{customer_id}" and i["sk"]["S"].startswith("COMPLAINT#")
    )
    complaint_id = pointer["complaint_id"]["S"]
    complaint_key = {"pk": {"S": f"COMPLAINT#{complaint_id}"}, "sk": {"S": "COMPLAINT"}}
    before = dynamodb.get_item(TableName=_table(aws), Key=complaint_key)["Item"]
    assert {"subject", "message", "contact"} <= set(before)

    run_erasure(aws, NOW)

    after = dynamodb.get_item(TableName=_table(aws), Key=complaint_key)["Item"]
    assert not {"subject", "message", "contact", "resolution", "status_key"} & set(after)
    assert (after["status"]["S"], after["status_at_erasure"]["S"]) == ("ERASED", "OPEN")
    assert after["category"]["S"] == "service"
    support, open_ones = staff("Support"), {"status": "OPEN"}
    queue = aws.call("complaints", "GET", "/v1/staff/complaints", identity=support, query=open_ones)
    assert complaint_id not in [c["complaint_id"] for c in queue[1]["complaints"]]
    status, _ = aws.call(
        "complaints",
        "PATCH",
        f"/v1/staff/complaints/{complaint_id}",
        identity=support,
        body={"status": "RESOLVED", "resolution": "Đã hoàn tiền."},
    )
    assert status == 409


# The decision (CLOSING -> ERASING) against holds and reactivations that come after the job read.


def _erased_entries(aws: Deployed, customer_id: str) -> int:
    return [e["action"] for e in _audit(aws, customer_id)["entries"]].count("customer.erased")


@pytest.mark.clause("P2.4", "P4")
def test_a_hold_placed_after_the_job_read_the_holds_stops_its_erasure(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job found no active hold; a hold is placed before its move to ``ERASING``: the move
    fails on the profile's count of holds, and the job, deciding again, finds the hold."""
    _, customer_id = _closed_customer(aws, records=False)
    read, placed = LifecycleStore.has_active_hold, list[tuple[int, Any]]()

    def then_a_hold(store: LifecycleStore, cid: str, now: datetime) -> bool:
        found = read(store, cid, now)
        if cid == customer_id and not placed:
            placed.append(place_hold(aws, cid))
        return found

    monkeypatch.setattr(LifecycleStore, "has_active_hold", then_a_hold)
    run_erasure(aws, NOW)

    assert [status for status, _ in placed] == [201]
    assert _profile(aws, customer_id)["status"]["S"] == "CLOSING"
    assert _cognito_user(aws, customer_id)
    assert _staff_read(aws, customer_id)[0] == 200
    assert _erased_entries(aws, customer_id) == 0
    # Released, the account is erased by the next run.
    path = f"/v1/staff/legal-holds/{placed[0][1]['hold_id']}/release"
    assert lifecycle(aws, "POST", path, staff("Compliance"), {"note": "Xong"})[0] == 200
    run_erasure(aws, NOW)
    assert _profile(aws, customer_id)["status"]["S"] == "ERASED"


@pytest.mark.clause("P2.4", "P4")
def test_a_reactivation_after_the_job_listed_the_account_stops_its_erasure(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, customer_id = _closed_customer(aws, records=False)
    listed, reactivated = LifecycleStore.due_page, []

    def then_reactivated(
        store: LifecycleStore, now: datetime, after: Position, limit: int
    ) -> Page[tuple[str, Position]]:
        due = listed(store, now, after, limit)
        if customer_id in [cid for cid, _ in due.items]:
            reactivated.append(reactivate(aws, customer_id)[0])
        return due

    monkeypatch.setattr(LifecycleStore, "due_page", then_reactivated)
    run_erasure(aws, NOW)

    assert reactivated == [200]
    assert _profile(aws, customer_id)["status"]["S"] == "ACTIVE"
    assert _cognito_user(aws, customer_id)
    assert _staff_read(aws, customer_id)[0] == 200
    assert _erased_entries(aws, customer_id) == 0


@pytest.mark.clause("P2.4", "P4")
def test_an_account_being_erased_is_neither_held_nor_reactivated_and_the_next_run_finishes_it(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, customer_id = _closed_customer(aws, records=False)
    with monkeypatch.context() as patch:
        failing_once(patch, "InternalErrorException", "AdminDeleteUser", touching=customer_id)
        with suppress(ClientError):
            run_erasure(aws, NOW)  # decided, then died at its first step
    assert _profile(aws, customer_id)["status"]["S"] == "ERASING"

    status, refused = place_hold(aws, customer_id)
    assert (status, refused["error"]["code"]) == (409, "CONFLICT")
    assert reactivate(aws, customer_id)[0] == 409
    assert holds(aws, customer_id) == (200, {"holds": [], "next": None})

    run_erasure(aws, NOW)
    assert _profile(aws, customer_id)["status"]["S"] == "ERASED"
    assert not _cognito_user(aws, customer_id)


# Bounded work (ongpt.jobs): pages of the accounts due, and of each one's records.


def _history(aws: Deployed, customer_id: str, lines: int) -> None:
    """``lines`` more lines of the customer's notification history, as the delivery worker
    writes them (``NoticeStore.record``), put straight into the table."""
    dynamodb = boto3.client("dynamodb")
    for n in range(lines):
        at = (NOW - timedelta(days=40, seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        dynamodb.put_item(
            TableName=_table(aws),
            Item={
                "pk": {"S": f"CUSTOMER#{customer_id}"},
                "sk": {"S": f"NOTICE#{at}#{uuid.uuid4()}"},
                "type": {"S": "announcement"},
                "channel": {"S": "email"},
                "sent_at": {"S": at},
            },
        )


def _left(aws: Deployed, customer_id: str, prefix: str) -> int:
    """How many of the customer's items with ``prefix`` are left."""
    return int(
        boto3.client("dynamodb").query(
            TableName=_table(aws),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": f"CUSTOMER#{customer_id}"},
                ":prefix": {"S": prefix},
            },
            Select="COUNT",
        )["Count"]
    )


@pytest.mark.clause("P2.4")
def test_a_customer_with_more_records_than_a_transaction_holds_is_erased_page_by_page(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """130 lines of history besides the other records: more than the 100 items of a
    transaction. Each invocation takes 2 pages of 25 records, each transaction holds a few."""
    _, customer_id = _closed_customer(aws)
    _history(aws, customer_id, 130)
    before = _copy(aws, customer_id)
    transactions: list[int] = []  # the items of each of the erasure's transactions

    def counted(dynamodb: Any, items: Any, **more: Any) -> None:
        transactions.append(len(items))
        transact(dynamodb, items, **more)

    monkeypatch.setattr(erasure_store, "transact", counted)
    history = [_left(aws, customer_id, "NOTICE#")]
    answers = [run_erasure(aws, NOW, page_size=25, pages=2)]
    while answers[-1]["more"] and len(answers) < 10:
        history.append(_left(aws, customer_id, "NOTICE#"))
        answers.append(run_erasure(aws, NOW, page_size=25, pages=2, **CONTINUE))
    history.append(_left(aws, customer_id, "NOTICE#"))
    assert answers[-1]["more"] is False
    assert len(answers) >= 3
    assert max(earlier - later for earlier, later in itertools.pairwise(history)) <= 2 * 25
    assert [a["erased"] for a in answers] == [0] * (len(answers) - 1) + [1]
    assert max(transactions) <= 10
    _erased_everywhere(aws, customer_id, before)
    assert _erased_entries(aws, customer_id) == 1


@pytest.mark.clause("P2.4")
def test_an_erasure_stopped_by_its_time_is_finished_by_continuations_each_account_once(
    aws: Deployed,
) -> None:
    """Pages of one account or one record: the day's run stops when its time runs short after 3
    pages; each continuation takes its bound of 4, until none is left."""
    closed = [_closed_customer(aws, records=False)[1] for _ in range(3)]
    answers = [run_erasure(aws, NOW, page_size=1, context=RunningOut(pages=3))]
    assert answers[0]["more"] is True
    assert [_profile(aws, c)["status"]["S"] for c in closed].count("ERASED") < 3
    while answers[-1]["more"] and len(answers) < 40:
        answers.append(run_erasure(aws, NOW, page_size=1, pages=4, **CONTINUE))
    assert answers[-1]["more"] is False
    assert sum(a["erased"] for a in answers) == 3
    for customer_id in closed:
        assert _profile(aws, customer_id)["status"]["S"] == "ERASED"
        assert not _cognito_user(aws, customer_id)
        assert _erased_entries(aws, customer_id) == 1


@pytest.mark.clause("P2.4", "P2.5")
def test_two_runs_erasing_one_account_side_by_side_write_its_erased_entry_once(
    aws: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs that both found the account ``ERASING`` (a scheduled run delivered twice, or the
    next one while the first still runs), each having read the profile before the other noted
    its ``ERASED`` entry there."""
    _, customer_id = _closed_customer(aws, records=False)
    with aws.environment_of("erasure"):
        erasure = services.erasure()
        assert erasure.decide(customer_id, NOW) is Decision.ERASE
        with monkeypatch.context() as patch:
            read = erasure_store.ErasureStore.profile

            def unnoted(store: erasure_store.ErasureStore, cid: str) -> dict[str, Any] | None:
                found = read(store, cid)  # as read before either run noted its entry
                return found and {k: v for k, v in found.items() if k != erasure_store.AUDITED}

            patch.setattr(erasure_store.ErasureStore, "profile", unnoted)
            for _ in range(2):
                erasure.erase(customer_id, NOW, Allowance(100))
    trail = _audit(aws, customer_id)
    assert trail["verification"]["valid"] is True
    assert [e["action"] for e in trail["entries"]].count("customer.erased") == 1
    assert _profile(aws, customer_id)["status"]["S"] == "ERASED"
