"""Contracts (P3.2) and renewal invitations (P3.4).

A contract is written with its audit entry and its confirmations (outbox notices, one per
channel) in one transaction: a failure leaves nothing, and a retry creates no second contract
(its id is the request's ``retry_id``: a retry after a first attempt that committed, whose
answer was lost, finds that contract and answers as it did).

A contract lives in its customer's partition and carries ``expiry_shard`` =
``<expiry day>#<shard>`` for the ``by-expiry-day`` index, so the daily job reads only the
contracts due in its windows (30, 7 and 1 days ahead), never a scan, and no day is one hot
partition. Each (contract, expiry, window, channel) is one outbox notice whose id is derived
from them: a re-run the same day enqueues nothing twice, and a run that died half-way enqueues
the rest. The day's work is a pass of pages of those partitions, one after another, checkpointed
after each page and continued by the next invocation (``ongpt.jobs``). An invitation that
cannot be enqueued goes by its ids (never addresses) to the job's dead-letter queue; it never
stops the other reminders. The delivery worker sends each once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from ongpt.audit.store import AuditLog
from ongpt.contracts.models import Channel, ContractCreate, ReminderDeadLetter
from ongpt.contracts.store import ContractStore
from ongpt.customers.service import Customers
from ongpt.jobs.service import Budget, JobPasses
from ongpt.notify.delivery import Kind
from ongpt.notify.notices import BOTH, Contact, to_customer
from ongpt.platform.caller import Caller
from ongpt.platform.clock import parse, timestamp, utcnow
from ongpt.platform.errors import DEPENDENCY_FAILURES, Conflict, NotFound, ValidationFailed
from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.platform.telemetry import logger, metrics
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.outbox import Channel as NoticeChannel
from ongpt.storage.outbox import Outbox
from ongpt.storage.replays import replayed

SHARDS = 8
WINDOWS = (30, 7, 1)
JOB = "reminders"  # the daily job's passes (``ongpt.jobs``)
# The contract's channel (as dead letters name it) and the outbox's: both proven at registration.
CHANNELS: dict[Channel, NoticeChannel] = {"email": "email", "phone": "sms"}


def expiry_shard(contract_id: str, expires_at: datetime) -> str:
    shard = int(hashlib.sha256(contract_id.encode()).hexdigest(), 16) % SHARDS
    return f"{expires_at.date().isoformat()}#{shard}"


def due_partitions(day: date) -> list[str]:
    return [f"{day.isoformat()}#{shard}" for shard in range(SHARDS)]


@dataclass
class Contracts:
    contract_store: ContractStore
    customers: Customers
    outbox: Outbox
    audit_log: AuditLog
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def create(self, staff: Caller, contract_id: str, request: ContractCreate) -> dict[str, Any]:
        """Create the contract ``contract_id`` (or find that a first attempt created it)."""
        if request.expires_at <= request.starts_at:
            raise ValidationFailed(
                "The contract must end after it starts.",
                [{"field": "expires_at", "message": "after starts_at"}],
            )
        contact = _contact(self.customers, request.customer_id)
        now = timestamp(self.clock())
        contract = self.contract_store.adding(
            {
                "contract_id": contract_id,
                "customer_id": request.customer_id,
                "plan": request.plan,
                "status": "ACTIVE",
                "starts_at": timestamp(request.starts_at),
                "expires_at": timestamp(request.expires_at),
                "expiry_shard": expiry_shard(contract_id, request.expires_at),
                # Staff's free text may name people or accounts: sealed like the profile.
                "reference": self.customers.seal(
                    request.customer_id, f"contract-reference:{contract_id}", request.reference
                )
                if request.reference
                else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        confirmations = to_customer(
            contact,
            f"contract:{contract_id}",
            Kind.CONTRACT_CONFIRMATION,
            BOTH,
            plan=request.plan,
            expires_on=timestamp(request.expires_at),
        )
        with suppress(TransactionConflict):  # created by a first attempt: the same answer
            self.audit_log.append_by(
                staff,
                request.customer_id,
                action="contract.create",
                purpose="contract_delivery",
                details={"contract_id": contract_id},
                along=[*contract, *self.outbox.items(confirmations)],
            )
        return {"contract_id": contract_id, "status": "ACTIVE"}

    def renew(
        self, staff: Caller, contract_id: str, request_id: str, expires_at: datetime
    ) -> dict[str, Any]:
        """The contract's expiry moved later, with its audit entry, in one transaction
        conditional on the expiry still being earlier; 400 if it would not move later, but to a
        retry of the request that moved it (``ongpt.storage.replays``); 409 if a concurrent
        renewal moved it as far or further meanwhile."""
        contract = self.contract_store.find(contract_id)
        if contract is None:
            raise NotFound("No such contract.")
        renewed = {
            "contract_id": contract_id,
            "status": "ACTIVE",
            "expires_at": timestamp(expires_at),
        }
        if replayed(contract, request_id, expires_at=renewed["expires_at"]):
            return renewed
        if expires_at <= parse(contract["expires_at"]):
            raise ValidationFailed(
                "A renewal must move the expiry later.",
                [{"field": "expires_at", "message": "after the current expiry"}],
            )
        renewal = self.contract_store.renewing(
            contract["customer_id"],
            contract_id,
            timestamp(expires_at),
            expiry_shard(contract_id, expires_at),
            timestamp(self.clock()),
            request_id,
        )
        try:
            self.audit_log.append_by(
                staff,
                contract["customer_id"],
                action="contract.renew",
                purpose="contract_delivery",
                details={"contract_id": contract_id},
                along=[renewal],
            )
        except TransactionConflict:
            if self.contract_store.find(contract_id) is None:
                raise NotFound("No such contract.") from None
            raise Conflict("The contract was renewed meanwhile; read it again.") from None
        return renewed

    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        fields = ("contract_id", "plan", "status", "starts_at", "expires_at")
        found = self.contract_store.of_customer(customer_id, page)
        return found.map(lambda contract: {k: contract[k] for k in fields})


def _contact(customers: Customers, customer_id: str) -> Contact:
    contact = customers.contact(customer_id)
    if contact is None:
        raise NotFound("No such customer.")
    return contact


def _windows(when: datetime) -> list[str]:
    """The ``by-expiry-day`` partitions of the contracts a pass at ``when`` reminds: those
    expiring 30, 7 and 1 days after its day."""
    return [p for days in WINDOWS for p in due_partitions((when + timedelta(days=days)).date())]


def _window(contract: dict[str, Any], when: datetime) -> int:
    """How many days before the contract's expiry day (its partition's) the pass at ``when`` is."""
    expiry_day = date.fromisoformat(str(contract["expiry_shard"]).split("#")[0])
    return (expiry_day - when.date()).days


@dataclass
class Reminders:
    """The daily job (P3.4), a pass a day in pages of the contracts due (``ongpt.jobs``)."""

    contract_store: ContractStore
    customers: Customers
    outbox: Outbox
    dead_letters: Callable[[ReminderDeadLetter], None]
    job_passes: JobPasses

    def run(self, scheduled: datetime | None, budget: Budget) -> dict[str, int | bool]:
        """The day's pass at ``scheduled`` queued (none for a continuation), and the passes
        left taken page by page while ``budget`` lasts: this invocation's counts, and whether
        passes are left (``more``)."""
        counts = {"due": 0, "sent": 0, "skipped": 0, "failed": 0}

        def page(when: datetime, after: Position) -> Position | None:
            found = self.contract_store.due_page(_windows(when), after, budget.page_size)
            written = self.contract_store.as_written(found.items)
            for indexed in found.items:
                contract = written.get(indexed["contract_id"])  # decided on the latest write
                if not contract or contract["expiry_shard"] != indexed["expiry_shard"]:
                    continue  # renewed since the index was written: its new day reminds it
                if contract["status"] != "ACTIVE":
                    continue
                if not self.customers.is_active(contract["customer_id"]):
                    continue  # a closing account gets no renewal invitations
                counts["due"] += 1
                for name, value in self._remind(contract, _window(contract, when)).items():
                    counts[name] += value
            return found.after

        more = self.job_passes.run(JOB, scheduled, budget, page)
        for name, value in counts.items():
            metrics.add_metric(name=f"Reminders{name.title()}", unit=MetricUnit.Count, value=value)
        return {**counts, "more": more}

    def _remind(self, contract: dict[str, Any], days: int) -> dict[str, int]:
        """One invitation per channel into the outbox, unless a run enqueued it before."""
        outcome = {"sent": 0, "skipped": 0, "failed": 0}
        contact: Contact | None = None
        for channel, sent_by in CHANNELS.items():
            try:
                contact = contact or _contact(self.customers, contract["customer_id"])
                invitation = to_customer(
                    contact,
                    f"renewal:{contract['contract_id']}:{contract['expires_at']}:{days}",
                    Kind.RENEWAL_INVITATION,
                    (sent_by,),
                    plan=contract["plan"],
                    expires_on=contract["expires_at"],
                    days=str(days),
                )
                if not self.outbox.enqueue(invitation):
                    outcome["skipped"] += 1
                    continue
            except (*DEPENDENCY_FAILURES, NotFound) as error:
                logger.warning(
                    "renewal invitation failed",
                    extra={
                        "contract_id": contract["contract_id"],
                        "window": days,
                        "channel": channel,
                        "error": type(error).__name__,
                    },
                )
                self.dead_letters(
                    ReminderDeadLetter(
                        contract_id=contract["contract_id"],
                        window_days=days,
                        channel=channel,
                        expires_at=contract["expires_at"],
                    )
                )
                outcome["failed"] += 1
                continue
            outcome["sent"] += 1
        return outcome
