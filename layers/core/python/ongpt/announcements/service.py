"""Announcements (P3.3): staff post one; the fan-out goes through SQS, one message per shard of
active customers, carrying ids only (never addresses). The worker reads contacts itself and
writes each customer's notice into the outbox (the delivery worker sends it, by email): a
``service_change`` for every active customer, a ``product_update`` only for those whose
``product_updates`` consent is granted when the worker writes it.

The post, its audit entry and the recipients it counted are one transaction; the shards are
queued after it. A retry of the post (same ``Idempotency-Key``, so the same announcement id)
finds it committed and queues the shards again; each customer's notice has an id derived from
the announcement and the customer, so a shard queued or delivered twice enqueues nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ongpt.announcements.models import ShardMessage
from ongpt.announcements.store import AnnouncementStore
from ongpt.audit.service import SYSTEM
from ongpt.audit.store import AuditLog
from ongpt.consents.service import Consents
from ongpt.customers.service import Customers
from ongpt.customers.store import ACTIVE_SHARDS, CustomerStore
from ongpt.notify.delivery import Kind
from ongpt.notify.notices import to_customer
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.outbox import Outbox


@dataclass
class Announcements:
    announcement_store: AnnouncementStore
    customer_store: CustomerStore
    consents: Consents
    customers: Customers
    outbox: Outbox
    audit_log: AuditLog
    enqueue: Callable[[list[ShardMessage]], None]
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def post(
        self, staff: Caller, announcement_id: str, kind: str, title: str, body: str
    ) -> dict[str, Any]:
        """Post the announcement ``announcement_id`` (or, if a first attempt committed it, take
        its answer) and queue its shards."""
        recipients = sum(
            self._reaches(Kind(kind), customer_id)
            for shard in range(ACTIVE_SHARDS)
            for customer_id in self.customer_store.active_in(shard)
        )
        announcement: dict[str, Any] = {
            "kind": kind,
            "title": title,
            "body": body,
            "recipients": recipients,
            "posted_by": staff.id,
            "posted_at": timestamp(self.clock()),
        }
        try:
            self.audit_log.append_by(
                staff,
                SYSTEM,
                action="announcement.post",
                details={"announcement_id": announcement_id, "kind": kind},
                along=[self.announcement_store.adding(announcement_id, announcement)],
            )
        except TransactionConflict:  # posted by a first attempt: its count is the answer
            posted = self.announcement_store.get(announcement_id) or announcement
            recipients = int(posted["recipients"])
        self.enqueue(
            [ShardMessage(announcement_id=announcement_id, shard=s) for s in range(ACTIVE_SHARDS)]
        )
        return {"announcement_id": announcement_id, "recipients": recipients}

    def _reaches(self, kind: Kind, customer_id: str) -> bool:
        """Whether an active customer gets an announcement of this kind: a product update only
        with their ``product_updates`` consent granted (checked again as it is enqueued)."""
        return kind is not Kind.PRODUCT_UPDATE or self.consents.granted(
            customer_id, "product_updates"
        )

    def deliver(self, announcement_id: str, shard: int) -> int:
        """Enqueue the notices of one shard of active customers; how many were enqueued now.

        "Granted at send time" (API.md) is checked here, as each customer's notice is written:
        a consent withdrawn before that gets no notice; one withdrawn after it (the seconds
        until the delivery worker sends it) does not recall it."""
        announcement = self.announcement_store.get(announcement_id)
        if announcement is None:
            return 0
        kind = Kind(announcement["kind"])
        enqueued = 0
        for customer_id in self.customer_store.active_in(shard):
            if not self._reaches(kind, customer_id):
                continue
            contact = self.customers.contact(customer_id)
            if contact is None:
                continue
            notice = to_customer(
                contact,
                f"announcement:{announcement_id}:{customer_id}",
                kind,
                ("email",),
                title=announcement["title"],
                body=announcement["body"],
            )
            enqueued += self.outbox.enqueue(notice)
        return enqueued
