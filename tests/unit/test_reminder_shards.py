"""Renewal invitations (P3.4) over an in-memory contract store: the job reads only the expiry
partitions of its windows, enqueues each invitation once, and one it cannot enqueue goes to the
dead-letter queue without stopping the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ongpt.contracts.models import ReminderDeadLetter
from ongpt.contracts.service import SHARDS, WINDOWS, Reminders, due_partitions, expiry_shard
from ongpt.customers.service import Customers
from ongpt.jobs.service import Budget, JobPasses
from tests.support.fakes import (
    FakeContractStore,
    FakeCustomerStore,
    FakeJobRuns,
    FakeKeyStore,
    FakeOutbox,
    a_customer,
)

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _job(
    dead_letters: list[ReminderDeadLetter],
) -> tuple[Reminders, FakeContractStore, FakeOutbox]:
    key_store, customer_store = FakeKeyStore(), FakeCustomerStore()
    a_customer(customer_store, key_store, "c-1", email="an@example.com", phone="+84967915569")
    contract_store, outbox = FakeContractStore(), FakeOutbox()
    reminders = Reminders(
        contract_store=contract_store,
        customers=Customers(customer_store=customer_store, key_store=key_store),
        outbox=outbox,
        dead_letters=dead_letters.append,
        job_passes=JobPasses(FakeJobRuns()),
    )
    return reminders, contract_store, outbox


def _run(reminders: Reminders) -> dict[str, int | bool]:
    """A run of the day's schedule, with time and pages to spare."""
    return reminders.run(NOW, Budget(pages=100, page_size=50, remaining_ms=lambda: 900_000))


def _contract(store: FakeContractStore, contract_id: str, expires_at: datetime) -> None:
    store.add(
        {
            "contract_id": contract_id,
            "customer_id": "c-1",
            "plan": "pro",
            "status": "ACTIVE",
            "expires_at": expires_at.isoformat(),
            "expiry_shard": expiry_shard(contract_id, expires_at),
        }
    )


def test_a_contract_is_in_one_of_its_days_shards() -> None:
    expires = datetime(2026, 4, 1, 9, tzinfo=UTC)
    shards = {expiry_shard(f"k-{n}", expires) for n in range(200)}
    assert shards == set(due_partitions(expires.date()))
    assert len(shards) == SHARDS


@pytest.mark.clause("P3.4")
def test_the_job_reads_only_its_windows_and_invites_once_per_channel() -> None:
    dead: list[ReminderDeadLetter] = []
    reminders, store, outbox = _job(dead)
    _contract(store, "due-in-7", NOW + timedelta(days=7))
    _contract(store, "due-in-10", NOW + timedelta(days=10))
    counts = _run(reminders)
    again = _run(reminders)  # a re-run the same day
    assert (counts["sent"], again["sent"], again["skipped"]) == (2, 0, 2)
    assert [(n.channel, n.values["days"]) for n in outbox.sent()] == [("email", "7"), ("sms", "7")]
    windows = {(NOW + timedelta(days=d)).date() for d in WINDOWS}
    assert set(store.partitions_read) == {p for day in windows for p in due_partitions(day)}
    assert dead == []


@pytest.mark.clause("P3.4")
def test_a_failed_invitation_is_dead_lettered_by_id_and_the_rest_still_go() -> None:
    dead: list[ReminderDeadLetter] = []
    reminders, store, outbox = _job(dead)
    outbox.failing.add("an@example.com")
    _contract(store, "due-in-1", NOW + timedelta(days=1))
    counts = _run(reminders)
    assert (counts["failed"], counts["sent"]) == (1, 1)
    assert [n.channel for n in outbox.sent()] == ["sms"]
    assert [letter.model_dump(mode="json") for letter in dead] == [
        {
            "contract_id": "due-in-1",
            "window_days": 1,
            "channel": "email",
            "expires_at": (NOW + timedelta(days=1)).isoformat(),
        }
    ]
    outbox.failing.clear()  # the next run enqueues what this one could not, and only that
    again = _run(reminders)
    assert (again["sent"], again["skipped"]) == (1, 1)
