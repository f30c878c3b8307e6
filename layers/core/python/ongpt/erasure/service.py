"""Erasure (API.md, *Erasure*; GDPR 17): each account ``CLOSING`` past ``erase_after`` with no
active legal hold is erased by crypto-shredding.

For each: the ledger's entry first (ids and times only), then the Cognito user deleted, the
consents, notices and edit requests deleted, each complaint's text and contact removed with its
own data key in the key store (one transaction per complaint; each kept as ``ERASED``, with its
category and times), an ``ERASED`` entry in the audit chain (once), and last, in one
transaction, the address guards removed, the profile stripped to its status ``ERASED`` and the
customer's data key destroyed in the key store. Every value ever sealed under those keys, in the
tables and in every backup of them, cannot be opened again once the key store's short recovery
period has passed (``ongpt.storage.key_store``).

Each step is idempotent and the account stays due until the last one commits, so a run that dies
half-way is finished by the next, and an erased account is never erased twice. Nothing is sent.
After a restore from backup, ``replay`` erases again every account the ledger has since then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ongpt.audit.store import AuditLog
from ongpt.customers.accounts import Accounts
from ongpt.erasure.store import ErasureStore
from ongpt.platform.clock import timestamp
from ongpt.storage.key_store import KeyStore

ERASED_ACTION = "customer.erased"
ACTOR = "erasure"  # the job, in the audit chain
ROLE = "system"


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
            if self.due.has_active_hold(customer_id, now):
                counts["held"] += 1
                continue
            self.erase(customer_id, now)
            counts["erased"] += 1
        return counts

    def replay(self, since: datetime, now: datetime) -> dict[str, int]:
        """After a restore to ``since``: every erasure the ledger has from then on, done again on
        the restored tables (their keys are gone already: the key store is never restored)."""
        replayed = 0
        for customer_id in self.erasure_store.started_since(since, now):
            self.erase(customer_id, now)
            replayed += 1
        return {"replayed": replayed}

    def erase(self, customer_id: str, now: datetime) -> None:
        at = timestamp(now)
        self.erasure_store.begin(customer_id, at)
        self.accounts.remove(customer_id)
        for complaint_id in self.erasure_store.delete_personal_records(customer_id):
            destroyed = self.key_store.destroy({"complaint_id": complaint_id})
            self.erasure_store.shred_complaint(complaint_id, also=[destroyed])
        if not any(entry.action == ERASED_ACTION for entry in self.audit_log.entries(customer_id)):
            self.audit_log.append(customer_id, actor=ACTOR, role=ROLE, action=ERASED_ACTION)
        if self.erasure_store.profile(customer_id) is None:
            return  # never was (a ledger entry of a restore older than the account)
        destroyed = self.key_store.destroy({"customer_id": customer_id})
        self.erasure_store.finish(customer_id, at, also=[destroyed])
