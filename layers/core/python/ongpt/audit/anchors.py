"""Anchors of the audit chains' heads outside DynamoDB (P2.5, P5), in write-once storage.

The anchor job runs every hour. It finds the chains written to since a little before its
previous run from the audit table's ``by-written-day`` index (never a Scan); for each, it reads
the entries newer than the chain's newest anchor, checks that they link on from it and that each
is keyed (one ``VerifyMac`` per entry, once in its life), and writes the head (sequence, hash,
MAC, time) to the anchor bucket: S3 Object Lock in
compliance mode, where no one, the account's root included, can delete or overwrite an object
version before its retention ends, and a bucket policy refuses any put without
``If-None-Match`` and any delete. So a chain cut off or rewritten at or below its newest anchor
no longer verifies; entries newer than that are protected by their MACs and by CloudTrail's data
events of the table only.

The bucket is ``ongpt.audit.store.AnchorStore``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ongpt.audit.chain_key import ChainKey
from ongpt.audit.service import Anchor, Entry, Verification, verify, verify_extension
from ongpt.audit.store import AnchorStore, AuditLog
from ongpt.platform.clock import timestamp
from ongpt.platform.telemetry import logger

LOOKBACK = timedelta(hours=2)  # the hourly run reads one hour more: a late entry or a failed run


class AnchoredVerifier:
    """Verifies a chain against its newest anchor and the audit key."""

    def __init__(self, chain_key: ChainKey, anchor_store: AnchorStore) -> None:
        self._chain_key = chain_key
        self._anchor_store = anchor_store

    def verify(self, subject: str, entries: list[Entry]) -> Verification:
        return verify(
            entries, keyed=self._chain_key.valid, anchor=self._anchor_store.latest(subject)
        )


class AnchorJob:
    """Anchors the head of every chain written to since ``now - LOOKBACK``, once per head. It
    reads the audit table and never writes it."""

    def __init__(self, audit_log: AuditLog, chain_key: ChainKey, anchor_store: AnchorStore) -> None:
        self._audit_log = audit_log
        self._chain_key = chain_key
        self._anchor_store = anchor_store

    def run(self, now: datetime) -> dict[str, int]:
        counts = {"anchored": 0, "unchanged": 0, "unverified": 0}
        for subject in self._audit_log.subjects_written_since(now - LOOKBACK, now):
            previous = self._anchor_store.latest(subject)
            newer = self._audit_log.entries(subject, after=previous.sequence if previous else 0)
            if not newer:
                counts["unchanged"] += 1
            elif verify_extension(newer, keyed=self._chain_key.valid, anchor=previous):
                # Never anchor what the audit key did not make: the chain stays as it is, for
                # a person to look at, and its verification names the bad entry.
                counts["unverified"] += 1
                logger.warning("audit chain not anchored", extra={"code": "AUDIT_CHAIN_UNVERIFIED"})
            else:
                head = newer[-1]
                anchor = Anchor(subject, head.sequence, head.hash, head.mac, timestamp(now))
                counts["anchored" if self._anchor_store.put(anchor) else "unchanged"] += 1
        return counts
