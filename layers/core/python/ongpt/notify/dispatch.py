"""Delivery of the outbox's notices (the ``notice_delivery`` worker, on the Outbox table's stream).

Each notice is claimed before it is sent and marked after, the mark and the customer's history
line in one transaction: claim -> send -> mark. Neither SES's ``SendEmail`` nor SNS's
``Publish`` to a phone number takes an idempotency token (SNS deduplicates only on FIFO
topics), so a send is never repeated once it may have happened; what this guarantees:

- an open or a send that fails releases the claim and fails the record, which the stream
  retries (then its dead-letter queue): every notice is sent or ends there; a send fails only
  when SES or SNS refused it (a send whose answer was lost counts as sent:
  ``ongpt.notify.delivery``);
- after the send, the mark is tried again within the invocation (``ongpt.storage.retries``);
  if it still fails, the send is noted on the notice (``sent_at``) and the record fails: the
  redelivery marks it and writes its history line without sending again;
- a claim with no send noted is never taken over: its delivery may have died after the
  provider took the message. While it is younger than ``STALE_CLAIM`` the record is retried
  (that delivery may still mark it); after, the notice is left ``CLAIMED``, unsent again, and
  counted (``NoticesLeftClaimed``, alarmed: ``docs/runbooks.md``). At most once.

A deferred notice (an announcement's: ``ongpt.storage.outbox.Deferred``) is resolved as it is
sent: its customer's address and language, and its text, if the customer is still active and,
for a product update, still consents (API.md: "granted at send time"); else it is ``UNWANTED``
and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.store import NoticeStore
from ongpt.platform.business_metrics import count
from ongpt.platform.clock import parse, timestamp, utcnow
from ongpt.platform.telemetry import logger
from ongpt.storage.key_store import KeyGone
from ongpt.storage.outbox import (
    DROPPED,
    REFUSED,
    SENT,
    STALE_CLAIM,
    UNWANTED,
    ClaimHeld,
    Outbox,
)
from ongpt.storage.retries import retried

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

LEFT_CLAIMED = "left claimed"
Resolved = tuple[str, str | None, dict[str, str]]  # a deferred notice's address, language, values


class DeferredNotices(Protocol):
    """Resolves a deferred notice when it is sent (``ongpt.announcements``)."""

    def resolve(self, customer_id: str, source: str) -> Resolved | None: ...


@dataclass
class NoticeDelivery:
    outbox: Outbox
    notifier: Notifier
    notice_store: NoticeStore
    announcement_notices: DeferredNotices
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def deliver(self, notice_id: str) -> str:
        """Send the notice unless it needs nothing more; what became of it."""
        claimed_at = timestamp(self.clock())
        try:
            item = self.outbox.claim(notice_id, claimed_at)
        except ClaimHeld as held:
            if held.item["claimed_at"] != claimed_at:
                return self._claimed_before(held.item)
            item = held.item  # this claim, whose answer was lost and retried by the SDK
        if item is None:
            return "done before"
        try:
            outcome = self._send(item)
        except BaseException:  # the next delivery, not the claim's expiry, sends it
            self.outbox.release(notice_id, claimed_at)
            raise
        at = timestamp(self.clock())
        try:
            self._finish(item, claimed_at, outcome, at)
        except Exception:
            if outcome == SENT:  # the redelivery finishes it, without sending it again
                self.outbox.record_send(notice_id, claimed_at, at)
            else:  # nothing went out: the redelivery does it all again
                self.outbox.release(notice_id, claimed_at)
            raise
        return outcome

    def _send(self, item: dict[str, Any]) -> str:
        """The claimed notice opened (resolved, if deferred) and sent: ``SENT``, ``REFUSED`` (an
        address the sender refused), ``DROPPED`` (its owner was erased: nobody to tell, nothing
        to open) or ``UNWANTED`` (a deferred notice its customer no longer wants)."""
        if "source" in item:
            resolved = self.announcement_notices.resolve(item["customer_id"], item["source"])
            if resolved is None:
                return UNWANTED
            to, language, values = resolved
        else:
            try:
                to, values = self.outbox.open(item)
            except KeyGone:
                return DROPPED
            language = item.get("language")
        kind = Kind(item["kind"])
        return SENT if self.notifier.send(item["channel"], to, kind, language, values) else REFUSED

    def _finish(self, item: dict[str, Any], claimed_at: str, outcome: str, at: str) -> None:
        """The mark, with a sent notice's history line, tried again while it fails transiently."""
        notice_id, customer_id = item["notice_id"], item.get("customer_id")
        history: list[TransactWriteItemTypeDef] = []
        if outcome == SENT and customer_id:
            line = self.notice_store.line(customer_id, item["kind"], item["channel"], at, notice_id)
            history.append(line)
        retried(lambda: self.outbox.finish(notice_id, claimed_at, outcome, at, also=history))

    def _claimed_before(self, item: dict[str, Any]) -> str:
        """A notice another delivery claimed: marked if that delivery noted its send; waited for
        while the claim is live (``ClaimHeld``: the record is retried); else left, counted."""
        if "sent_at" in item:
            self._finish(item, item["claimed_at"], SENT, item["sent_at"])
            return SENT
        if parse(item["claimed_at"]) > self.clock() - STALE_CLAIM:
            raise ClaimHeld(item)
        count("NoticesLeftClaimed")
        logger.warning("notice left claimed", extra={"notice_id": item["notice_id"]})
        return LEFT_CLAIMED
