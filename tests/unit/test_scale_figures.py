"""The scale tier's verdicts (``tests.bench.scale``): a kind of invocation is flat when each of
its largest figures at the largest size is within 1.2 times the smallest size's, and no
invocation may be estimated past half its function's timeout."""

from __future__ import annotations

from collections import Counter

from tests.bench.meter import Figures
from tests.bench.scale import Measured, not_flat, samples, too_long


def page(calls: int = 5, read: int = 21, cpu: float = 0.01, sample: str = "first") -> Measured:
    figures = Figures(Counter({"dynamodb.Query": calls}), read, 0, 2048, cpu, 1769)
    return Measured("GET /v1/staff/complaints", "complaints", sample, figures, 10)


def test_a_kind_is_flat_within_the_bound_and_not_past_it() -> None:
    small = [page(), page(read=11, sample="last")]
    assert not_flat(small, [page(read=25), page(read=3, sample="last")]) == []
    grown = not_flat(small, [page(read=26)])
    assert grown == ["GET /v1/staff/complaints: items read 21 -> 26"]


def test_a_figure_that_was_none_and_is_some_is_not_flat() -> None:
    assert not_flat([page(read=0)], [page(read=1)]) != []


def test_a_kind_missing_at_the_largest_size_is_named() -> None:
    assert not_flat([page()], []) == ["GET /v1/staff/complaints: not measured at the largest size"]


def test_an_invocation_past_half_its_timeout_is_named() -> None:
    assert too_long([page(calls=499)]) == []  # 499 queries of 10 ms, 10 ms of CPU: 5.0 s
    assert too_long([page(calls=500)]) != []


def test_each_page_is_sampled_once() -> None:
    assert samples(62, 10) == [("first", 0), ("middle", 30), ("last", 60)]
    assert samples(20, 10) == [("first", 0), ("middle", 10)]
    assert samples(7, 10) == [("first", 0)]
