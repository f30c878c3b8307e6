"""Consents (P3.3, P3.4, P3.7, GDPR art. 7): the current state per purpose and its history, kept
append-only; withdrawing is one call, like granting. Every change is written with its audit entry,
in one transaction. A change of ``product_updates`` also changes the count of active customers who
consent (``CustomerStore.counting``, which announcements read), in that transaction, on condition
that the consent is still as read and, when its state changes, that the account is active: the
count stays exact whatever changes at the same moment."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ongpt.audit.store import AuditLog
from ongpt.consents.models import RECIPIENT_MAX, THIRD_PARTY_PREFIX
from ongpt.consents.store import ConsentStore
from ongpt.customers.store import CustomerStore
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import Conflict, NotFound, ValidationFailed
from ongpt.storage.dynamo import TransactionConflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CHANGEABLE = ("marketing", "product_updates")
COUNTED = "product_updates"  # the purpose whose consenting active customers are counted
THIRD_PARTY = re.compile(rf"^{THIRD_PARTY_PREFIX}[a-z0-9-]{{2,{RECIPIENT_MAX}}}$")


def check_purpose(purpose: str) -> str:
    if purpose in CHANGEABLE or THIRD_PARTY.match(purpose):
        return purpose
    raise ValidationFailed(
        "Unknown purpose.",
        [
            {
                "field": "purpose",
                "message": "marketing, product_updates or third_party_sharing:<recipient>",
            }
        ],
    )


@dataclass
class Consents:
    consent_store: ConsentStore
    customer_store: CustomerStore
    audit_log: AuditLog
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def current(self, customer_id: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in c.items() if k in ("purpose", "granted", "version", "updated_at")}
            for c in self.consent_store.current(customer_id)
        ]

    def set(self, customer_id: str, purpose: str, granted: bool) -> dict[str, Any]:
        check_purpose(purpose)
        if self.customer_store.profile(customer_id) is None:
            raise NotFound("No profile.")
        at = timestamp(self.clock())
        state = {"purpose": purpose, "granted": granted, "updated_at": at, "source": "customer"}
        try:
            self.audit_log.append(
                customer_id,
                actor=customer_id,
                role="customer",
                action="consent.grant" if granted else "consent.withdraw",
                details={"purpose": purpose},
                along=self._changing(customer_id, state),
            )
        except TransactionConflict:  # changed, or the account closed, at the same moment
            raise Conflict("The consent changed at the same moment; try again.") from None
        return {"purpose": purpose, "granted": granted, "updated_at": at}

    def _changing(self, customer_id: str, state: dict[str, Any]) -> list[TransactWriteItemTypeDef]:
        """The items of a change; for the counted purpose, conditional on its state as read and,
        if that changes, on the account being active, with the change of the count."""
        purpose, granted = state["purpose"], state["granted"]
        if purpose != COUNTED:
            return self.consent_store.change(customer_id, state)
        was = self.consent_store.granted(customer_id, purpose)
        items = self.consent_store.change(customer_id, state, was=was)
        if granted != was:
            items += [
                self.customer_store.while_active(customer_id),
                self.customer_store.counting(customer_id, product_updates=1 if granted else -1),
            ]
        return items

    def history(self, customer_id: str) -> list[dict[str, Any]]:
        return self.consent_store.history(customer_id)
