"""Bodies of the analytics route."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
)

from ongpt.platform.models import FREE_TEXT, Strict


class AnalyticsEvent(Strict):
    page: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=512), FREE_TEXT]
    referrer: Annotated[str, StringConstraints(strict=True, max_length=2048)] | None = None
    search_query: (
        Annotated[str, StringConstraints(strict=True, max_length=256), FREE_TEXT] | None
    ) = None
    visited_at: AwareDatetime


class AnalyticsBatch(Strict):
    events: Annotated[list[AnalyticsEvent], Field(min_length=1, max_length=25)]


class EventsAccepted(BaseModel):
    accepted: int
