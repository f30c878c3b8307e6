"""Announcements (P3.3): staff post one; the fan-out goes through SQS, one message per shard of
active customers, carrying ids only (never addresses). The worker reads contacts itself and
sends by email: a ``service_change`` to every active customer, a ``product_update`` only to those
whose ``product_updates`` consent is granted when it is sent. A delivery marker per customer
makes a retried batch send nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from ongpt.announcements.models import ShardMessage
from ongpt.announcements.store import AnnouncementStore
from ongpt.audit.service import SYSTEM
from ongpt.audit.store import AuditLog
from ongpt.consents.service import Consents
from ongpt.customers.service import Customers
from ongpt.customers.store import ACTIVE_SHARDS, CustomerStore
from ongpt.notify.delivery import Kind, Notifier
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.storage.markers import Markers

if TYPE_CHECKING:
    pass


@dataclass
class Announcements:
    announcement_store: AnnouncementStore
    customer_store: CustomerStore
    consents: Consents
    customers: Customers
    notifier: Notifier
    audit_log: AuditLog
    markers: Markers
    enqueue: Callable[[list[ShardMessage]], None]
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def post(self, staff: Caller, kind: str, title: str, body: str) -> dict[str, Any]:
        announcement_id = str(uuid.uuid4())
        self.announcement_store.add(
            announcement_id,
            {
                "kind": kind,
                "title": title,
                "body": body,
                "posted_by": staff.id,
                "posted_at": timestamp(self.clock()),
            },
        )
        self.audit_log.append_by(
            staff,
            SYSTEM,
            action="announcement.post",
            details={"announcement_id": announcement_id, "kind": kind},
        )
        self.enqueue(
            [ShardMessage(announcement_id=announcement_id, shard=s) for s in range(ACTIVE_SHARDS)]
        )
        recipients = sum(
            self._reaches(Kind(kind), customer_id)
            for shard in range(ACTIVE_SHARDS)
            for customer_id in self.customer_store.active_in(shard)
        )
        return {"announcement_id": announcement_id, "recipients": recipients}

    def _reaches(self, kind: Kind, customer_id: str) -> bool:
        """Whether an active customer gets an announcement of this kind: a product update only
        with their ``product_updates`` consent granted (checked again when it is sent)."""
        return kind is not Kind.PRODUCT_UPDATE or self.consents.granted(
            customer_id, "product_updates"
        )

    def deliver(self, announcement_id: str, shard: int) -> int:
        """Send to one shard of active customers; how many were sent now."""
        announcement = self.announcement_store.get(announcement_id)
        if announcement is None:
            return 0
        kind = Kind(announcement["kind"])
        sent = 0
        for customer_id in self.customer_store.active_in(shard):
            if not self._reaches(kind, customer_id):
                continue
            sent += (
                self.markers.once(
                    f"CUSTOMER#{customer_id}",
                    f"DELIVERY#{announcement_id}",
                    partial(self._send, announcement, kind, customer_id),
                )
                or 0
            )
        return sent

    def _send(self, announcement: dict[str, Any], kind: Kind, customer_id: str) -> int:
        contact = self.customers.contact(customer_id)
        if contact is None:
            return 0
        self.notifier.email(
            contact.email,
            kind,
            contact.language,
            customer_id=customer_id,
            title=announcement["title"],
            body=announcement["body"],
        )
        return 1
