"""Announcements (P3.3): staff post one; the fan-out goes through SQS a page at a time, carrying
ids only (never addresses). A ``service_change`` goes to every active customer, a
``product_update`` only to those whose ``product_updates`` consent is granted.

The post reads the counts of active customers (and of those who consent) from their sharded
counters (``CustomerStore.counts``: kept in the transactions that change a status or that consent),
never every customer: its cost is the same for ten customers or a million. The post, its audit
entry and that count are one transaction; one message per shard of active customers is queued
after it. A retry of the post (same ``Idempotency-Key``, so the same announcement id) finds it
committed and queues the shards again.

The worker handles one page of a shard per message (``PAGE`` customers at most: one index query,
one batched read of their consents, one transaction) and queues the next page's cursor. A page's
notices and its shard's progress (its next cursor, the count enqueued: an item per shard, so the
shards' workers never meet on one) are one transaction, conditional on that page being the
shard's next: a page queued or delivered twice writes nothing twice, and its retry queues the
next page if the first attempt died before it noted that page queued. The notices name the
customer and the announcement only (``Deferred``): no key is opened at fan-out; the delivery
worker resolves the address, language and text as it sends.

"Granted at send time" (API.md): each page's notices are written only for customers whose
consent is granted when the page is written (a consistent batched read), and the delivery worker
checks again as it sends: a consent withdrawn, or an account closed, before the send stops it
(``UNWANTED``); one withdrawn after it cannot recall it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cachetools import LRUCache

from ongpt.announcements.models import PageMessage
from ongpt.announcements.store import END, START, AnnouncementStore
from ongpt.audit.models import SYSTEM
from ongpt.audit.store import AuditLog
from ongpt.consents.service import COUNTED
from ongpt.consents.store import ConsentStore
from ongpt.customers.service import Customers
from ongpt.customers.store import ACTIVE_SHARDS, CustomerStore
from ongpt.notify.delivery import Kind
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import NotFound
from ongpt.storage.dynamo import TRANSACTION_MOST, TransactionConflict
from ongpt.storage.outbox import Deferred, Outbox

# A page's notices (one each, by email) and the announcement's progress: one transaction.
PAGE = TRANSACTION_MOST - 1
PROGRESS = ("announcement_id", "kind", "title", "posted_at")


@dataclass
class Announcements:
    announcement_store: AnnouncementStore
    customer_store: CustomerStore
    consent_store: ConsentStore
    outbox: Outbox
    audit_log: AuditLog
    enqueue: Callable[[Sequence[PageMessage]], None]
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def post(
        self, staff: Caller, announcement_id: str, kind: str, title: str, body: str
    ) -> dict[str, Any]:
        """Post the announcement ``announcement_id`` (or, if a first attempt committed it, take
        its answer) and queue the first page of each shard."""
        counts = self.customer_store.counts()
        recipients = counts[COUNTED] if Kind(kind) is Kind.PRODUCT_UPDATE else counts["active"]
        announcement: dict[str, Any] = {
            "announcement_id": announcement_id,
            "kind": kind,
            "title": title,
            "body": body,
            "recipients": recipients,
            "posted_by": staff.id,
            "posted_at": timestamp(self.clock()),
        }
        adding = self.announcement_store.adding(announcement_id, announcement)
        try:
            self.audit_log.append_by(
                staff,
                SYSTEM,
                action="announcement.post",
                details={"announcement_id": announcement_id, "kind": kind},
                along=[adding],
            )
        except TransactionConflict:  # posted by a first attempt: its count is the answer
            posted = self.announcement_store.get(announcement_id) or announcement
            recipients = int(posted["recipients"])
        self.enqueue(
            [PageMessage(announcement_id=announcement_id, shard=s) for s in range(ACTIVE_SHARDS)]
        )
        return {"announcement_id": announcement_id, "recipients": recipients}

    def progress(self, announcement_id: str) -> dict[str, Any]:
        """What was posted and how far its fan-out is: ``DONE`` once every shard is written."""
        announcement = self.announcement_store.get(announcement_id)
        if announcement is None:
            raise NotFound("No such announcement.")
        shards = self.announcement_store.shards(announcement_id, ACTIVE_SHARDS)
        done = len(shards) == ACTIVE_SHARDS and all(s["next"] == END for s in shards)
        return {
            **{name: announcement[name] for name in PROGRESS},
            "recipients": int(announcement["recipients"]),
            "enqueued": sum(int(s["enqueued"]) for s in shards),
            "status": "DONE" if done else "SENDING",
        }

    def deliver(self, message: PageMessage) -> int:
        """Write the notices of one page of a shard, unless it was written before, and queue the
        next page: how many notices were enqueued now."""
        announcement = self.announcement_store.get(message.announcement_id)
        if announcement is None:
            return 0
        cursor, shard = message.cursor or START, message.shard
        progress = self.announcement_store.shard(message.announcement_id, shard)
        if progress["next"] != cursor:
            return self._written_before(progress, message)
        page = self.customer_store.active_page(shard, message.cursor, PAGE)
        ids = page.customer_ids
        if Kind(announcement["kind"]) is Kind.PRODUCT_UPDATE:
            consenting = self.consent_store.granting(ids, COUNTED)
            ids = [customer_id for customer_id in ids if customer_id in consenting]
        notices = [
            Deferred(
                about=f"announcement:{message.announcement_id}:{customer_id}",
                kind=announcement["kind"],
                channel="email",
                customer_id=customer_id,
                source=message.announcement_id,
            )
            for customer_id in ids
        ]
        following = page.next or END
        written = self.announcement_store.write_page(
            message.announcement_id, shard, cursor, following, self.outbox.items(notices)
        )
        if not written:
            progress = self.announcement_store.shard(message.announcement_id, shard)
            return self._written_before(progress, message)
        self._queue_next(message, following)
        return len(notices)

    def _written_before(self, progress: dict[str, Any], message: PageMessage) -> int:
        """A page written before: if it is still the last written of its shard and the next
        page is not noted as queued, its first attempt died before it queued that page, which is
        queued now."""
        following, last, queued = progress["next"], progress.get("last"), progress.get("queued")
        if last == (message.cursor or START) and queued != following:
            self._queue_next(message, following)
        return 0

    def _queue_next(self, message: PageMessage, following: str) -> None:
        """The shard's next page queued, and noted so (a duplicate of this page queues it no
        more)."""
        if following == END:
            return
        self.enqueue([message.model_copy(update={"cursor": following})])
        self.announcement_store.queued(message.announcement_id, message.shard, following)


@dataclass
class AnnouncementNotices:
    """An announcement's notice, resolved as the delivery worker sends it
    (``ongpt.notify.dispatch``): the customer's address and language and the announcement's
    text, if the customer is still active and, for a product update, still consents."""

    announcement_store: AnnouncementStore
    customers: Customers
    consent_store: ConsentStore
    _texts: LRUCache[str, dict[str, str]] = field(default_factory=lambda: LRUCache(maxsize=64))

    def resolve(
        self, customer_id: str, announcement_id: str
    ) -> tuple[str, str | None, dict[str, str]] | None:
        text = self._text(announcement_id)
        if text is None:
            return None
        contact = self.customers.contact(customer_id, only_active=True)
        if contact is None:
            return None
        if text["kind"] == Kind.PRODUCT_UPDATE and not self.consent_store.granted(
            customer_id, COUNTED
        ):
            return None
        return contact.email, contact.language, {"title": text["title"], "body": text["body"]}

    def _text(self, announcement_id: str) -> dict[str, str] | None:
        """The announcement's kind, title and body; kept while warm (they never change)."""
        if announcement_id not in self._texts:
            found = self.announcement_store.get(announcement_id)
            if found is None:
                return None
            self._texts[announcement_id] = {k: found[k] for k in ("kind", "title", "body")}
        return self._texts[announcement_id]
