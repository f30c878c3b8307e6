"""The scale tier's verdicts (``tests.bench.scale``): a kind of invocation is flat when each of
its largest figures that depend only on its calls is, at the largest size, within 1.2 times the
smallest size's, and no invocation may be estimated (with the CPU time measured here) past half
its function's timeout; and the meter's wait for work done at once."""

from __future__ import annotations

from collections import Counter

from tests.bench.meter import Figures, waited_at_once
from tests.bench.scale import Measured, not_flat, samples, too_long


def page(
    calls: int = 5, read: int = 21, cpu: float = 0.01, waited: float = 0.05, sample: str = "first"
) -> Measured:
    figures = Figures(Counter({"dynamodb.Query": calls}), read, 0, 2048, waited, cpu, 1769)
    return Measured("GET /v1/staff/complaints", "complaints", sample, figures, 10)


def test_a_kind_is_flat_within_the_bound_and_not_past_it() -> None:
    small = [page(), page(read=11, sample="last")]
    assert not_flat(small, [page(read=25), page(read=3, sample="last")]) == []
    grown = not_flat(small, [page(read=26)])
    assert grown == ["GET /v1/staff/complaints: items read 21 -> 26"]


def test_a_longer_wait_for_the_same_calls_is_not_flat() -> None:
    assert not_flat([page(waited=0.05)], [page(waited=0.07)]) == [
        "GET /v1/staff/complaints: waited ms 50 -> 70"
    ]


def test_the_cpu_time_measured_here_does_not_make_a_kind_grow() -> None:
    """A loaded machine's noise: the same calls, items and bytes, 50 times the CPU time."""
    assert not_flat([page(cpu=0.01)], [page(cpu=0.5)]) == []


def test_a_figure_that_was_none_and_is_some_is_not_flat() -> None:
    assert not_flat([page(read=0)], [page(read=1)]) != []


def test_a_kind_missing_at_the_largest_size_is_named() -> None:
    assert not_flat([page()], []) == ["GET /v1/staff/complaints: not measured at the largest size"]


def test_an_invocation_past_half_its_timeout_is_named() -> None:
    assert too_long([page(waited=4.98)]) == []  # 4.98 s waited, 10 ms of CPU: 4.99 s
    assert too_long([page(waited=5.0)]) != []
    assert too_long([page(waited=0.05, cpu=4.96)]) != []  # the CPU time counts here


def test_work_done_at_once_is_waited_for_as_its_threads_share_it() -> None:
    assert waited_at_once([20.0] * 100, 8) == 13 * 20.0  # 100 Decrypts on 8 threads
    assert waited_at_once([30.0, 10.0, 10.0, 10.0], 2) == 30.0  # the first thread's one item
    assert waited_at_once([10.0, 10.0, 30.0], 2) == 40.0  # the first free takes the third
    assert waited_at_once([], 8) == 0.0


def test_each_page_is_sampled_once() -> None:
    assert samples(62, 10) == [("first", 0), ("middle", 30), ("last", 60)]
    assert samples(20, 10) == [("first", 0), ("middle", 10)]
    assert samples(7, 10) == [("first", 0)]
