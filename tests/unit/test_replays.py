"""The rule by which a state change recognises a retry of its own request
(``ongpt.storage.replays``), and the analytics events' ids that make a retry overwrite what its
first attempt stored without naming who sent them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ongpt.analytics.models import AnalyticsEvent
from ongpt.analytics.service import Analytics
from ongpt.analytics.store import AnalyticsStore
from ongpt.storage.replays import made_by, replayed

RELEASED = {"hold_id": "h-1", "status": "RELEASED", **made_by("request-1")}


def test_the_request_that_made_the_change_is_answered_again() -> None:
    assert replayed(RELEASED, "request-1", status="RELEASED")


def test_another_request_finding_the_same_state_is_not() -> None:
    assert not replayed(RELEASED, "request-2", status="RELEASED")
    assert not replayed({"status": "RELEASED"}, "request-1", status="RELEASED")  # no request kept


def test_the_same_request_is_not_when_the_item_has_moved_on_or_is_gone() -> None:
    assert not replayed({**RELEASED, "status": "ACTIVE"}, "request-1", status="RELEASED")
    assert not replayed(None, "request-1", status="RELEASED")


class KeptEvents(AnalyticsStore):
    """The analytics store without its table: the events it was given."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add_all(self, events: list[dict[str, Any]]) -> None:
        self.events += events


PRICING = AnalyticsEvent(page="/pricing", visited_at=datetime(2026, 11, 25, tzinfo=UTC))


def stored_ids(key: str | None, count: int, event: AnalyticsEvent = PRICING) -> list[str]:
    store = KeptEvents()
    Analytics(store).accept(key, [event] * count, "203.0.113.7", None)
    return [e["event_id"] for e in store.events]


def test_a_retry_stores_its_events_under_the_same_ids_and_another_request_under_new_ones() -> None:
    first = stored_ids("key-1", 3)
    assert stored_ids("key-1", 3) == first
    assert len(set(first)) == 3  # one item per event of the batch
    assert not set(first) & set(stored_ids("key-2", 3))
    other_page = PRICING.model_copy(update={"page": "/about"})
    assert not set(first) & set(stored_ids("key-1", 3, other_page))  # same key, other events


def test_without_a_key_every_request_stores_new_ids() -> None:
    assert not set(stored_ids(None, 2)) & set(stored_ids(None, 2))


def test_an_events_id_does_not_contain_the_key_it_came_with() -> None:
    assert all("key-1" not in event_id for event_id in stored_ids("key-1", 2))
