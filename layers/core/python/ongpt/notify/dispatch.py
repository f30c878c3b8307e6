"""Delivery of the outbox's notices (the ``notice_delivery`` worker, on the Outbox table's stream).

Each notice is claimed before it is sent and marked after, the mark and the customer's history
line in one transaction: claim -> send -> mark. An open or a send that fails releases the claim
and fails the record, which the stream retries (then its dead-letter queue). What this guarantees:

- a notice marked ``SENT`` is never sent again, whatever is retried or replayed;
- every notice is sent, or ends in the dead-letter queue (at least once);
- a notice is sent twice only if a delivery died after the provider took the message and before
  the mark: its claim then goes stale (``STALE_CLAIM``, longer than the worker's timeout) and a
  retry sends it again. Within that window a retry finds the claim live and waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.store import NoticeStore
from ongpt.platform.clock import timestamp, utcnow
from ongpt.storage.key_store import KeyGone
from ongpt.storage.outbox import DROPPED, REFUSED, SENT, Outbox


@dataclass
class NoticeDelivery:
    outbox: Outbox
    notifier: Notifier
    notice_store: NoticeStore
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def deliver(self, notice_id: str) -> str:
        """Send the notice unless it needs nothing more; what became of it."""
        claimed_at = timestamp(self.clock())
        item = self.outbox.claim(notice_id, claimed_at)  # ClaimHeld: the record is retried
        if item is None:
            return "done before"
        kind, channel = Kind(item["kind"]), item["channel"]
        try:
            to, values = self.outbox.open(item)
            sent = self.notifier.send(channel, to, kind, item.get("language"), values)
        except KeyGone:  # its owner was erased: nobody to tell, nothing to open
            self.outbox.finish(notice_id, claimed_at, DROPPED, claimed_at)
            return DROPPED
        except BaseException:  # the next delivery, not the claim's expiry, sends it
            self.outbox.release(notice_id, claimed_at)
            raise
        at = timestamp(self.clock())
        customer_id = item.get("customer_id")
        history = (
            [self.notice_store.line(customer_id, kind.value, channel, at, notice_id)]
            if sent and customer_id
            else []
        )
        self.outbox.finish(notice_id, claimed_at, SENT if sent else REFUSED, at, also=history)
        return SENT if sent else REFUSED
