"""Jobs in pages (``ongpt.jobs``, DESIGN.md *Bounded work*): an invocation takes at most its
pages, within its time; the passes left are taken by the next invocations, oldest first, each
page once, and a run of the job's schedule never drops a pass an earlier period left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ongpt.jobs.service import MARGIN_MS, Budget, JobPasses
from ongpt.platform.pages import Position
from tests.support.fakes import FakeJobRuns

DAY = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
NEXT_DAY = DAY + timedelta(days=1)
PAGES = 3  # each pass of these tests: three pages


class Pass:
    """A job whose passes have ``PAGES`` pages each: the pages taken, in order."""

    def __init__(self) -> None:
        self.taken: list[tuple[datetime, int]] = []

    def page(self, when: datetime, after: Position) -> Position | None:
        number = int(after.get("page", 0))
        self.taken.append((when, number))
        return {"page": number + 1} if number + 1 < PAGES else None


def budget(pages: int, time_left: list[int] | None = None) -> Budget:
    """``pages`` pages, and time to spare unless ``time_left`` says how much, page by page."""
    left = iter(time_left or [])
    return Budget(pages, page_size=10, remaining_ms=lambda: next(left, 10 * MARGIN_MS))


def test_a_run_stopped_by_its_pages_is_finished_by_its_continuation() -> None:
    job, passes = Pass(), JobPasses(FakeJobRuns())
    assert passes.run("job", DAY, budget(2), job.page) is True
    assert passes.run("job", None, budget(2), job.page) is False
    assert job.taken == [(DAY, 0), (DAY, 1), (DAY, 2)]
    assert passes.run("job", None, budget(2), job.page) is False  # nothing left: no page
    assert len(job.taken) == PAGES


def test_a_run_stops_before_its_time_runs_short() -> None:
    job, passes = Pass(), JobPasses(FakeJobRuns())
    time_left = [10 * MARGIN_MS, MARGIN_MS - 1]
    assert passes.run("job", DAY, budget(10, time_left), job.page) is True
    assert job.taken == [(DAY, 0)]


def test_a_day_left_unfinished_is_finished_before_the_next_day_begins() -> None:
    job, passes = Pass(), JobPasses(FakeJobRuns())
    assert passes.run("job", DAY, budget(1), job.page) is True
    assert passes.run("job", NEXT_DAY, budget(4), job.page) is True
    assert passes.run("job", None, budget(4), job.page) is False
    assert job.taken == [(DAY, n) for n in range(PAGES)] + [(NEXT_DAY, n) for n in range(PAGES)]


def test_a_retried_run_goes_on_with_its_pass_and_a_rerun_does_it_again() -> None:
    job, passes = Pass(), JobPasses(FakeJobRuns())
    assert passes.run("job", DAY, budget(1), job.page) is True
    assert passes.run("job", DAY, budget(10), job.page) is False  # the scheduler's retry
    assert job.taken == [(DAY, n) for n in range(PAGES)]
    assert passes.run("job", DAY, budget(10), job.page) is False  # run again by hand, later
    assert job.taken == [(DAY, n) for n in range(PAGES)] * 2


def test_an_invocation_takes_its_pages_at_most_whatever_the_backlog() -> None:
    job, runs = Pass(), FakeJobRuns()
    passes = JobPasses(runs)
    for day in range(5):
        passes.run("job", DAY + timedelta(days=day), budget(0), job.page)
    assert len(runs.read("job").passes) == 5
    assert passes.run("job", None, budget(7), job.page) is True
    assert len(job.taken) == 7


def test_a_run_that_lost_its_checkpoint_to_an_overlapping_run_goes_on_from_the_winners() -> None:
    """Two invocations take the same page: the one that writes its checkpoint second finds it
    moved, reads it again and goes on from there, never back."""
    runs = FakeJobRuns()
    passes, overlapping = JobPasses(runs), JobPasses(runs)
    taken: list[tuple[datetime, int]] = []

    def page(when: datetime, after: Position) -> Position | None:
        if not taken:  # meanwhile, another invocation takes the first two pages
            overlapping.run("job", None, budget(2), Pass().page)
        taken.append((when, int(after.get("page", 0))))
        return Pass().page(when, after)

    runs.write("job", runs.read("job").queued("2027-01-01T02:00:00.000000Z"), runs.read("job"))
    assert passes.run("job", None, budget(10), page) is False
    assert taken == [(DAY, 0), (DAY, 2)]
