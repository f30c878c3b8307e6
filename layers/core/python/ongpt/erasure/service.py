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
store (one transaction per complaint; each kept as ``ERASED``, with its category and times), an
``ERASED`` entry in the audit chain (once, runs overlapping or not: the entry and a note of it on
the profile are one transaction), and last, in one transaction conditional on
``ERASING``, the address guards removed, the profile stripped to its status ``ERASED`` and the
customer's data key destroyed in the key store. Every value ever sealed under those keys, in the
tables and in every backup of them, cannot be opened again once the key store's short recovery
period has passed (``ongpt.storage.key_store``).

Each step is idempotent and an ``ERASING`` account stays due until the last one commits, so a run
that dies half-way is finished by the next, and an erased account is never erased twice. Nothing
is sent. After a restore from backup, ``replay`` moves every account the ledger has since then
back to ``ERASING`` (the decision was taken) and erases it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ongpt.audit.store import AuditLog
from ongpt.customers.accounts import Accounts
from ongpt.erasure.store import ErasureStore
from ongpt.platform.clock import timestamp
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyStore

ERASED_ACTION = "customer.erased"
ACTOR = "erasure"  # the job, in the audit chain
ROLE = "system"
DECISION_TRIES = 3  # a move lost to a hold or a reactivation is decided again on a new read


class Decision(StrEnum):
    ERASE = "erase"  # ERASING now (or already, by a run that died)
    HELD = "held"  # an active hold stops it
    NONE = "none"  # no longer due: reactivated, erased, or not past its grace period


class Due(Protocol):
    """Which accounts are due for erasure, and which are held (the lifecycle area's closure state
    and legal holds)."""

    def due_for_erasure(self, now: datetime) -> Iterable[str]: ...

    def has_active_hold(self, customer_id: str, now: datetime) -> bool: ...


@dataclass
class Erasure:
    due: Due
    erasure_store: ErasureStore
    key_store: KeyStore
    accounts: Accounts
    audit_log: AuditLog

    def run(self, now: datetime) -> dict[str, int]:
        """Erase every account due at ``now`` and not held; the counts."""
        counts = {"erased": 0, "held": 0}
        for customer_id in self.due.due_for_erasure(now):
            decision = self.decide(customer_id, now)
            if decision is Decision.ERASE:
                self.erase(customer_id, now)
                counts["erased"] += 1
            elif decision is Decision.HELD:
                counts["held"] += 1
        return counts

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

    def replay(self, since: datetime, now: datetime) -> dict[str, int]:
        """After a restore to ``since``: every erasure the ledger has from then on, done again on
        the restored tables (their keys are gone already: the key store is never restored)."""
        replayed = 0
        for customer_id in self.erasure_store.started_since(since, now):
            if self.erasure_store.resume(customer_id):
                self.erase(customer_id, now)
            replayed += 1
        return {"replayed": replayed}

    def erase(self, customer_id: str, now: datetime) -> None:
        """The erasure of an ``ERASING`` account, step by step, each step idempotent."""
        at = timestamp(now)
        self.accounts.remove(customer_id)
        for complaint_id in self.erasure_store.delete_personal_records(customer_id):
            destroyed = self.key_store.destroy({"complaint_id": complaint_id})
            self.erasure_store.shred_complaint(complaint_id, also=[destroyed])
        if not any(entry.action == ERASED_ACTION for entry in self.audit_log.entries(customer_id)):
            with suppress(TransactionConflict):  # an overlapping run wrote it since we read
                self.audit_log.append(
                    customer_id,
                    actor=ACTOR,
                    role=ROLE,
                    action=ERASED_ACTION,
                    along=[self.erasure_store.noting_entry(customer_id)],
                )
        if self.erasure_store.profile(customer_id) is None:
            return  # never was (a ledger entry of a restore older than the account)
        destroyed = self.key_store.destroy({"customer_id": customer_id})
        self.erasure_store.finish(customer_id, at, also=[destroyed])
