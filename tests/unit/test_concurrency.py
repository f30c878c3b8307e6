"""Work done at once (``ongpt.platform.concurrency``): every item's, at most ``WORKERS`` at a
time, the results in the items' order; a failure is raised only once every item's work ended."""

from __future__ import annotations

import threading
import time

import pytest

from ongpt.platform import concurrency


class Running:
    """How many items' work runs now, and the most at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = self.most = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


def test_every_item_is_done_at_most_workers_at_once_in_the_items_order() -> None:
    running = Running()

    def work(n: int) -> int:
        with running:
            time.sleep(0.01 * (n % 3))  # finished out of order
            return n * n

    items = list(range(3 * concurrency.WORKERS))
    assert concurrency.each(work, items) == [n * n for n in items]
    assert 1 < running.most <= concurrency.WORKERS


def test_a_failure_is_raised_once_every_other_item_is_done() -> None:
    done: list[int] = []

    def work(n: int) -> None:
        if n in (1, 2):
            raise ValueError(n)
        time.sleep(0.05)  # the failures come first: the others are still running
        done.append(n)

    with pytest.raises(ValueError, match=r"^1$"):
        concurrency.each(work, range(20))
    assert sorted(done) == [n for n in range(20) if n not in (1, 2)]
