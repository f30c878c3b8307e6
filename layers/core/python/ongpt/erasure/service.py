"""Erasure (API.md, *Erasure*; GDPR 17): each account ``CLOSING`` past ``erase_after`` with no
active legal hold is erased by crypto-shredding.

A state machine (DESIGN.md, "Decide, then act"). The decision is one conditional write:
``CLOSING`` -> ``ERASING``, with the ledger's entry (ids and times only) in the same transaction,
on condition that the profile is still ``CLOSING``, its ``erase_after`` has passed and its count
of holds placed (``holds_placed``) is the one read before a consistent read of the holds found
none active. Placing a hold raises that count on condition that the account is neither
``ERASING`` nor ``ERASED``, and a reactivation requires ``CLOSING``: whichever of them commits
first, the other fails its condition. So a hold placed, or a reactivation made, after the job
listed the account stops its erasure, and nothing of an ``ERASING`` account can be held or
reopened.

Then, for an ``ERASING`` account only: the Cognito user deleted, the consents, notices and edit
requests deleted, each complaint's text and contact removed with its own data key in the key
store and its pointer in the customer's partition (one transaction per complaint; each kept as
``ERASED``, with its category and times), an ``ERASED`` entry in the audit chain (once: the
profile records it in the entry's transaction), and last, in one transaction conditional on
``ERASING``, the address guards removed, the profile stripped to its status ``ERASED`` and the
customer's data key destroyed in the key store. Every value ever sealed under those keys, in the
tables and in every backup of them, cannot be opened again once the key store's short recovery
period has passed (``ongpt.storage.key_store``).

Bounded work (DESIGN.md): the job is a pass per run over the accounts due (``ongpt.jobs``), a page
at a time, and a page deletes or shreds at most its size of records, in transactions of a few
items (``ongpt.erasure.store``): a customer with more records than a page is erased over several
pages, even several invocations, what is left of their records being where the next page goes
on. Each step is idempotent and an ``ERASING`` account stays due until the last one commits, so
a run that dies or stops half-way is finished by the next, and an erased account is never erased
twice. Nothing is sent; an ``ERASING`` account's own requests are refused (410), so a
half-erased account is never seen by its customer. After a restore from backup, a ``replay``
pass moves every account the ledger has since then back to ``ERASING`` (the decision was taken)
and erases it again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ongpt.audit.store import AuditLog
from ongpt.customers.accounts import Accounts
from ongpt.erasure.store import AUDITED, ErasureStore
from ongpt.jobs.service import Budget, JobPasses
from ongpt.platform.clock import timestamp
from ongpt.platform.pages import Page, Position
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyStore

ERASED_ACTION = "customer.erased"
ACTOR = "erasure"  # the job, in the audit chain
ROLE = "system"
DECISION_TRIES = 3  # a move lost to a hold or a reactivation is decided again on a new read
ERASE, REPLAY = "erase", "replay"  # the job's two kinds of pass (``ongpt.jobs``)


class Decision(StrEnum):
    ERASE = "erase"  # ERASING now (or already, by a run that died)
    HELD = "held"  # an active hold stops it
    NONE = "none"  # no longer due: reactivated, erased, or not past its grace period


class Due(Protocol):
    """Which accounts are due for erasure, and which are held (the lifecycle area's closure state
    and legal holds)."""

    def due_page(
        self, now: datetime, after: Position, limit: int
    ) -> Page[tuple[str, Position]]: ...

    def has_active_hold(self, customer_id: str, now: datetime) -> bool: ...


@dataclass
class Allowance:
    """The records a page may still delete or shred: its size."""

    left: int


@dataclass
class Erasure:
    due: Due
    erasure_store: ErasureStore
    key_store: KeyStore
    accounts: Accounts
    audit_log: AuditLog
    job_passes: JobPasses

    def run(
        self,
        scheduled: datetime | None,
        now: datetime,
        budget: Budget,
        replay_since: datetime | None = None,
    ) -> dict[str, int | bool]:
        """The passes left, replays first, taken while ``budget`` lasts, after queueing a pass
        erasing what is due at ``scheduled`` (none for a continuation) or replaying the ledger
        since ``replay_since`` (after a restore): this invocation's counts, and whether passes
        are left (``more``)."""
        counts = {"erased": 0, "held": 0, "replayed": 0}

        def erase_page(when: datetime, after: Position) -> Position | None:
            due = self.due.due_page(when, after, budget.page_size)
            return _each(due, after, Allowance(budget.page_size), self._due(when, counts))

        def replay_page(since: datetime, after: Position) -> Position | None:
            started = self.erasure_store.started_page(since, now, after, budget.page_size)
            return _each(started, after, Allowance(budget.page_size), self._replay(now, counts))

        more = self.job_passes.run(REPLAY, replay_since, budget, replay_page)
        more = self.job_passes.run(ERASE, scheduled, budget, erase_page) or more
        return {**counts, "more": more}

    def _due(self, when: datetime, counts: dict[str, int]) -> Handle:
        def erase(customer_id: str, allowance: Allowance) -> bool:
            decision = self.decide(customer_id, when)
            if decision is Decision.HELD:
                counts["held"] += 1
            if decision is not Decision.ERASE:
                return True
            if not self.erase(customer_id, when, allowance):
                return False
            counts["erased"] += 1
            return True

        return erase

    def _replay(self, now: datetime, counts: dict[str, int]) -> Handle:
        """After a restore: each account of the ledger back to ``ERASING`` (the decision was
        taken), unless it is ``ERASED`` or was never restored, and erased again (the restored
        tables' keys are gone already: the key store is never restored)."""

        def replay(customer_id: str, allowance: Allowance) -> bool:
            if self.erasure_store.resume(customer_id) and not self.erase(
                customer_id, now, allowance
            ):
                return False
            counts["replayed"] += 1
            return True

        return replay

    def decide(self, customer_id: str, now: datetime) -> Decision:
        """``CLOSING`` -> ``ERASING`` if its grace period is over and no hold is active: the
        profile read (its count of holds placed), then the holds, then the move conditional on
        both; a move that lost to a concurrent hold or reactivation is decided again."""
        for _ in range(DECISION_TRIES):
            profile = self.erasure_store.profile(customer_id)
            if profile is None or profile["status"] not in ("CLOSING", "ERASING"):
                return Decision.NONE
            if profile["status"] == "ERASING":
                return Decision.ERASE  # a run that died after deciding: finish it
            if str(profile["erase_after"]) > timestamp(now):
                return Decision.NONE
            if self.due.has_active_hold(customer_id, now):
                return Decision.HELD
            if self.erasure_store.begin(customer_id, timestamp(now), profile):
                return Decision.ERASE
        return Decision.NONE  # changing under us: the next run decides

    def erase(self, customer_id: str, now: datetime, allowance: Allowance) -> bool:
        """The erasure of an ``ERASING`` account, step by step, each step idempotent, its records
        at most ``allowance`` of them: whether it is finished (if not, what is left of its
        records is where the next page goes on)."""
        at = timestamp(now)
        self.accounts.remove(customer_id)
        if not (
            self._delete_records(customer_id, allowance) and self._shred(customer_id, allowance)
        ):
            return False
        profile = self.erasure_store.profile(customer_id)
        if profile is None:
            return True  # never was (a ledger entry of a restore older than the account)
        if AUDITED not in profile:
            with suppress(TransactionConflict):  # appended meanwhile by an overlapping run
                self.audit_log.append(
                    customer_id,
                    actor=ACTOR,
                    role=ROLE,
                    action=ERASED_ACTION,
                    along=[self.erasure_store.auditing(customer_id, at)],
                )
        destroyed = self.key_store.destroy({"customer_id": customer_id})
        self.erasure_store.finish(customer_id, at, also=[destroyed])
        return True

    def _delete_records(self, customer_id: str, allowance: Allowance) -> bool:
        """Consents, notices and edit requests deleted, as many as the allowance: whether none
        is left."""
        if not allowance.left:
            return False
        deleted, done = self.erasure_store.delete_personal_records(customer_id, allowance.left)
        allowance.left -= deleted
        return done

    def _shred(self, customer_id: str, allowance: Allowance) -> bool:
        """The customer's complaints shredded, each with its own key destroyed, as many as the
        allowance: whether none is left."""
        if not allowance.left:
            return False
        filed = self.erasure_store.complaints_filed(customer_id, allowance.left)
        for complaint in filed.items:
            destroyed = self.key_store.destroy({"complaint_id": complaint.complaint_id})
            self.erasure_store.shred_complaint(complaint, also=[destroyed])
        allowance.left -= len(filed.items)
        return filed.after is None


# What a page does with one customer it lists, within the page's allowance: whether it finished.
Handle = Callable[[str, Allowance], bool]


def _each(
    listed: Page[tuple[str, Position]], after: Position, allowance: Allowance, handle: Handle
) -> Position | None:
    """Each customer of the page handled in turn while the allowance lasts: where the next page
    goes on (after the last one finished; the page's own position once all are)."""
    done = after
    for customer_id, position in listed.items:
        if not (allowance.left and handle(customer_id, allowance)):
            return done
        done = position
    return listed.after
