"""``AnalyticsStore.add_all``: what DynamoDB leaves unprocessed is sent again, boundedly and after
growing pauses, and what is still unprocessed then is a 503 (the client's retry with its
``Idempotency-Key`` writes the same items), never an endless loop."""

from __future__ import annotations

from typing import Any

import pytest

from ongpt.analytics.store import AnalyticsStore
from ongpt.platform.errors import DependencyUnavailable
from ongpt.storage import retries
from ongpt.storage.retries import TRIES

EVENTS = [
    {"event_id": f"{n:064x}", "visited_at": "2026-11-26T06:00:00Z", "page": "/pricing"}
    for n in range(1, 4)
]


class Throttled:
    """``batch_write_item`` that leaves its last request unprocessed ``times`` times."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.batches: list[dict[str, int]] = []

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        self.batches.append({table: len(items) for table, items in RequestItems.items()})
        if self.times:
            self.times -= 1
            return {"UnprocessedItems": {t: items[-1:] for t, items in RequestItems.items()}}
        return {"UnprocessedItems": {}}


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    taken: list[float] = []
    monkeypatch.setattr("ongpt.storage.batches.time.sleep", taken.append)
    monkeypatch.setattr("ongpt.storage.retries.random.uniform", lambda _low, cap: cap)
    return taken


def test_unprocessed_events_are_sent_again_alone_after_a_growing_pause(pauses: list[float]) -> None:
    db = Throttled(times=2)
    AnalyticsStore(db, "analytics").add_all(EVENTS)  # type: ignore[arg-type]
    assert db.batches == [{"analytics": 3}, {"analytics": 1}, {"analytics": 1}]
    assert pauses == [retries.FIRST_PAUSE_SECONDS, retries.FIRST_PAUSE_SECONDS * 2]


def test_events_still_unprocessed_after_the_last_try_are_a_503_not_an_endless_loop(
    pauses: list[float],
) -> None:
    db = Throttled(times=1000)
    with pytest.raises(DependencyUnavailable):
        AnalyticsStore(db, "analytics").add_all(EVENTS)  # type: ignore[arg-type]
    assert len(db.batches) == TRIES
    assert len(pauses) == TRIES - 1
