"""Anchors of the audit chains' heads outside DynamoDB (P2.5, P5), in write-once storage.

The anchor job runs every hour. It finds the chains written to since a little before its
previous run from the audit table's ``by-written-day`` index (never a Scan), a page at a time,
checkpointed (``ongpt.jobs``); for each, it reads
the entries newer than the chain's newest anchor, checks that they link on from it and that each
is keyed (one ``VerifyMac`` per entry, once in its life), and writes the head (sequence, hash,
MAC, time) to the anchor bucket: S3 Object Lock in compliance mode, where no one, the account's
root included, can delete or overwrite an object version before its retention ends, and a bucket
policy refuses any put but the job's, any put without ``If-None-Match`` and any delete. So a
chain cut off or rewritten at or below its newest anchor no longer verifies; entries newer than
that are protected by their MACs, the audit table's stream alarm and CloudTrail's data events.

Anchors are chained: each names the chain's anchor before it (its sequence and the SHA-256 of its
object) and is keyed with the audit key, which the job uses to make anchors and no one with only
S3 access holds. The job links on only from a newest anchor that is keyed and names the object
below it; a verification checks the same of the newest anchor. So an anchor forged at a higher
sequence (to stand for a rewritten chain) or slipped in below the newest breaks the chain, at
the cost of one more ``GetObject`` and one ``VerifyMac`` per verification, whatever the chain's
length (``ongpt.audit.chain.broken_anchor``).

The bucket is ``ongpt.audit.store.AnchorStore``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ongpt.audit.chain import broken_anchor, verify_anchored, verify_extension, verify_from_anchor
from ongpt.audit.chain_key import ChainKey
from ongpt.audit.models import GENESIS, Anchor, AnchorObject, Entry, Verification
from ongpt.audit.store import AnchorStore, AuditLog
from ongpt.jobs.service import Budget, JobPasses
from ongpt.platform.clock import timestamp
from ongpt.platform.pages import Position
from ongpt.platform.telemetry import logger

LOOKBACK = timedelta(hours=2)  # the hourly run reads one hour more: a late entry or a failed run
JOB = "anchors"  # the hourly passes (``ongpt.jobs``)


class AnchoredVerifier:
    """Verifies a chain against its newest anchor, once that is shown genuine, and the audit
    key: all of it (the daily verification), or from the anchor on (the audit read)."""

    def __init__(self, chain_key: ChainKey, anchor_store: AnchorStore, audit_log: AuditLog) -> None:
        self._chain_key = chain_key
        self._anchor_store = anchor_store
        self._audit_log = audit_log

    def verify(self, subject: str, entries: list[Entry]) -> Verification:
        return verify_anchored(
            entries,
            self._anchor_store.newest(subject),
            keyed=self._chain_key.valid,
            anchor_keyed=self._chain_key.valid_anchor,
        )

    def verify_from_anchor(self, subject: str) -> Verification:
        """``verify_from_anchor`` of the chain: it reads the newest anchors, the entries from the
        anchored one on, and (if there are none) the head."""
        anchors = self._anchor_store.newest(subject)
        start = anchors[0].sequence if anchors else 1
        tail = self._audit_log.entries(subject, after=start - 1)
        head = tail[-1] if tail else self._audit_log.head(subject)
        return verify_from_anchor(
            tail,
            anchors,
            head=head.sequence if head else 0,
            keyed=self._chain_key.valid,
            anchor_keyed=self._chain_key.valid_anchor,
        )


class AnchorJob:
    """Anchors the head of every chain written to since ``now - LOOKBACK``, once per head, a
    page of the index at a time (``ongpt.jobs``). It reads the audit table and never writes
    it."""

    def __init__(
        self,
        audit_log: AuditLog,
        chain_key: ChainKey,
        anchor_store: AnchorStore,
        job_passes: JobPasses,
    ) -> None:
        self._audit_log = audit_log
        self._chain_key = chain_key
        self._anchor_store = anchor_store
        self._job_passes = job_passes

    def run(self, scheduled: datetime | None, budget: Budget) -> dict[str, int | bool]:
        """The hour's pass at ``scheduled`` queued (none for a continuation), and the passes left
        taken while ``budget`` lasts: this invocation's counts (a chain once each), and whether
        passes are left (``more``)."""
        counts = {"anchored": 0, "unchanged": 0, "unverified": 0}
        seen: set[str] = set()

        def page(when: datetime, after: Position) -> Position | None:
            written = self._audit_log.written_page(when - LOOKBACK, when, after, budget.page_size)
            for subject in written.items:
                if subject not in seen:
                    seen.add(subject)
                    counts[self._anchor(subject, when)] += 1
            return written.after

        more = self._job_passes.run(JOB, scheduled, budget, page)
        return {**counts, "more": more}

    def _anchor(self, subject: str, now: datetime) -> str:
        """The chain's head anchored, linked to its newest anchor: what came of it."""
        objects = self._anchor_store.newest(subject)
        if broken_anchor(objects, self._chain_key.valid_anchor):
            return _unverified()  # never link on from an anchor the job did not make
        previous = objects[0].anchor if objects else None
        newer = self._audit_log.entries(subject, after=previous.sequence if previous else 0)
        if verify_extension(newer, keyed=self._chain_key.valid, anchor=previous):
            return _unverified()  # never anchor what the audit key did not make
        if not newer:
            return "unchanged"
        head = newer[-1]
        anchor = Anchor(
            subject, head.sequence, head.hash, head.mac, timestamp(now), *_link(objects)
        )
        return "anchored" if self._anchor_store.put(self._chain_key.keyed(anchor)) else "unchanged"


def _unverified() -> str:
    """The chain stays as it is, for a person to look at; its verification names what is
    wrong."""
    logger.warning("audit chain not anchored", extra={"code": "AUDIT_CHAIN_UNVERIFIED"})
    return "unverified"


def _link(objects: list[AnchorObject]) -> tuple[int, str]:
    """What a new anchor names of the chain's newest: its sequence and the SHA-256 of its
    object (nothing, for the chain's first)."""
    return (objects[0].sequence, objects[0].sha256) if objects else (0, GENESIS)
