"""Scheduled jobs in bounded pages, within their time, continued from a checkpoint (DESIGN.md,
*Bounded work*).

A job's work is done in **passes**: a pass is all of one scheduled run's work (the reminders of a
day, the accounts due at a time, the chains written in a window), read as pages of at most
``JOB_PAGE_SIZE`` items from an index partition after partition. The job's item in the Jobs
table (``ongpt.jobs.store``) holds the passes still to finish, oldest first, and the position in
the first; it is written after every page, on condition of the version read, so a page is done
again at most once more (by a run that died before writing it, or by an overlapping run that
lost the write and goes on from the winner's position). Every page is idempotent item by item
(an invitation is an outbox notice of a fixed id, an erasure a state machine, an anchor an
object written once), so a page done twice changes nothing.

An invocation takes at most ``JOB_PAGES`` pages (both settings are the template's, per job) and
starts a page only while ``MARGIN_MS`` remain before its timeout (the Lambda context's
``get_remaining_time_in_millis``,
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html): its work is bounded whatever
the backlog, and its answer says ``more`` when passes are left.

The rest is taken by the job's **continuation** schedule (``infra/jobs.py``), every 15 minutes:
it starts no pass, it only goes on with those left, and finds none most of the time (one
``GetItem``). Not a message to the function's own queue, nor the function invoking itself: Lambda
stops such a chain after about 16 invocations (recursive loop detection,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html), and either needs
resources the API stack has no room for. A run of the job's own schedule queues its pass behind
those left: a pass a period did not finish is finished first, never dropped; a retry of a run,
finding its pass queued already, goes on with it; a run whose pass is done (run again by hand)
does it again, which changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ongpt.jobs.store import JobRun, JobRunStore
from ongpt.platform import settings as env
from ongpt.platform.clock import parse, timestamp
from ongpt.platform.pages import Position
from ongpt.storage.races import Raced, until_won

# A page is started only with this much time left: pages are bounded (``JOB_PAGE_SIZE`` items)
# and take seconds; one that outlived the timeout anyway is done again by the next run.
MARGIN_MS = 60_000


class Context(Protocol):
    """What a job needs of the Lambda context."""

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass
class Budget:
    """What one invocation may still take: ``pages`` pages of at most ``page_size`` items, each
    started only with ``MARGIN_MS`` left."""

    pages: int
    page_size: int
    remaining_ms: Callable[[], int]
    taken: int = 0

    @classmethod
    def of(cls, context: Context) -> Budget:
        """The invocation's: the function's settings and its context's clock."""
        return cls(
            env.JOB_PAGES.value(), env.JOB_PAGE_SIZE.value(), context.get_remaining_time_in_millis
        )

    def take(self) -> bool:
        """Whether one more page may start (and it is counted)."""
        if self.taken >= self.pages or self.remaining_ms() < MARGIN_MS:
            return False
        self.taken += 1
        return True


def scheduled_pass(event: Mapping[str, Any]) -> datetime | None:
    """The time of the pass a run of the job's schedule starts (``scheduled_time``); ``None`` for
    a run of its continuation schedule (``continue``), which starts none."""
    return None if event.get("continue") else parse(str(event["scheduled_time"]))


# One page of a pass: the pass's time and where to go on; where the next page goes on, or None at
# the pass's end.
PageOf = Callable[[datetime, Position], Position | None]


@dataclass
class JobPasses:
    job_runs: JobRunStore

    def run(self, job: str, scheduled: datetime | None, budget: Budget, page: PageOf) -> bool:
        """The pass at ``scheduled`` queued (unless it is queued already), then ``page`` after
        page of the passes left, oldest first, each checkpointed, while the budget lasts:
        whether passes are left (``more``)."""
        run = self._queue(job, timestamp(scheduled)) if scheduled else self.job_runs.read(job)
        while run.passes:
            if not budget.take():
                return True
            following = page(parse(run.passes[0]), run.after)
            # Lost to an overlapping run: its position is as far or further; go on from there.
            run = self.job_runs.write(job, run.moved(following), run) or self.job_runs.read(job)
        return False

    def _queue(self, job: str, when: str) -> JobRun:
        def once() -> JobRun:
            run = self.job_runs.read(job)
            if when in run.passes:
                return run  # a retry of the run that queued it: go on with it
            queued = self.job_runs.write(job, run.queued(when), run)
            if queued is None:
                raise Raced
            return queued

        return until_won(once)
