"""The daily audit verification (P2.5, P5): every chain written to since the last run, verified
whole against its newest anchor (keyed, and linked to the one below it) and the audit key, as
``GET /v1/staff/audit`` verifies it.

The hourly anchor job checks only the entries newer than a chain's anchor before it anchors a new
head; this job reads each changed chain from its first entry, so an entry changed, removed or
reordered below the anchor, or a chain cut below it, is found within a day even if no one reads
that customer's audit log. The chains come from the table's ``by-written-day`` index (no Scan);
the job never writes the table. A chain rewritten without any new entry leaves that index as it
was: CloudTrail's data events of the table and the alarm on writes by anything but the service's
functions cover that case.

The answer names the broken chains by customer id (for a person to look at them, see
``docs/runbooks.md``); the logs carry only how many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ongpt.audit.service import Entry, Verification
from ongpt.audit.store import AuditLog

# The daily run reads a day and six hours back: a late entry, or a run retried by the scheduler
# hours later, is still covered. A run that never happened is a failed job (its DLQ alarms).
LOOKBACK = timedelta(hours=30)


class ChainVerifier(Protocol):
    def verify(self, subject: str, entries: list[Entry]) -> Verification: ...


@dataclass
class VerificationReport:
    verified: int = 0
    broken: list[str] = field(default_factory=list)

    def as_answer(self) -> dict[str, object]:
        return {"verified": self.verified, "broken": len(self.broken), "broken_chains": self.broken}


class AuditVerificationJob:
    """Verifies each chain written to since ``now - LOOKBACK``; reads only."""

    def __init__(self, log: AuditLog, verifier: ChainVerifier) -> None:
        self._log = log
        self._verifier = verifier

    def run(self, now: datetime) -> VerificationReport:
        report = VerificationReport()
        for subject in self._log.subjects_written_since(now - LOOKBACK, now):
            if self._verifier.verify(subject, self._log.entries(subject)).valid:
                report.verified += 1
            else:
                report.broken.append(subject)
        return report
