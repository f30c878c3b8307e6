"""The daily audit verification (P2.5, P5): every chain written to since the last run, verified
whole against its newest anchor (keyed, and linked to the one below it) and the audit key, as
``GET /v1/staff/audit`` verifies it.

The hourly anchor job checks only the entries newer than a chain's anchor before it anchors a new
head; this job reads each changed chain from its first entry, so an entry changed, removed or
reordered below the anchor, or a chain cut below it, is found within a day even if no one reads
that customer's audit log. The chains come from the table's ``by-written-day`` index (no Scan), a
page at a time, checkpointed (``ongpt.jobs``); the job never writes the table. A chain rewritten
without any new entry leaves that index as it was: CloudTrail's data events of the table and the
alarm on writes by anything but the service's functions cover that case.

The answer names the broken chains by customer id (for a person to look at them, see
``docs/runbooks.md``); the logs carry only how many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ongpt.audit.models import Entry, Verification
from ongpt.audit.store import AuditLog
from ongpt.jobs.service import Budget, JobPasses
from ongpt.platform.pages import Position

# The daily run reads a day and six hours back: a late entry, or a run retried by the scheduler
# hours later, is still covered. A run that never happened is a failed job (its DLQ alarms).
LOOKBACK = timedelta(hours=30)
JOB = "verification"  # the daily passes (``ongpt.jobs``)


class ChainVerifier(Protocol):
    def verify(self, subject: str, entries: list[Entry]) -> Verification: ...


@dataclass
class VerificationReport:
    """An invocation's: the chains it verified, those it found broken, and whether passes are
    left (``more``)."""

    verified: int = 0
    broken: list[str] = field(default_factory=list)
    more: bool = False

    def as_answer(self) -> dict[str, object]:
        return {
            "verified": self.verified,
            "broken": len(self.broken),
            "broken_chains": self.broken,
            "more": self.more,
        }


class AuditVerificationJob:
    """Verifies each chain written to since ``now - LOOKBACK``, a page of the index at a time
    (``ongpt.jobs``); reads only."""

    def __init__(self, log: AuditLog, verifier: ChainVerifier, job_passes: JobPasses) -> None:
        self._log = log
        self._verifier = verifier
        self._job_passes = job_passes

    def run(self, scheduled: datetime | None, budget: Budget) -> VerificationReport:
        """The day's pass at ``scheduled`` queued (none for a continuation), and the passes left
        taken while ``budget`` lasts, each chain verified once per invocation."""
        report, seen = VerificationReport(), set[str]()

        def page(when: datetime, after: Position) -> Position | None:
            written = self._log.written_page(when - LOOKBACK, when, after, budget.page_size)
            for subject in written.items:
                if subject in seen:
                    continue
                seen.add(subject)
                if self._verifier.verify(subject, self._log.entries(subject)).valid:
                    report.verified += 1
                else:
                    report.broken.append(subject)
            return written.after

        report.more = self._job_passes.run(JOB, scheduled, budget, page)
        return report
