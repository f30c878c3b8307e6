"""Bodies of the announcement routes and the fan-out's queue message."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    NonNegativeInt,
    StringConstraints,
)

from ongpt.platform.models import FREE_TEXT, Strict
from ongpt.platform.queues import Message


class AnnouncementPost(Strict):
    kind: Literal["product_update", "service_change"]
    title: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200), FREE_TEXT]
    body: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=5000), FREE_TEXT]


class AnnouncementAccepted(BaseModel):
    announcement_id: str
    recipients: int


class AnnouncementProgress(BaseModel):
    """API.md v1.2: ``GET /v1/staff/announcements/{id}``. ``enqueued``: the notices written so
    far; ``DONE`` once every page of every shard is written."""

    announcement_id: str
    kind: Literal["product_update", "service_change"]
    title: str
    posted_at: str
    recipients: int
    enqueued: int
    status: Literal["SENDING", "DONE"]


class PageMessage(Message):
    """The announcement queue's message: an announcement and one page of a shard of active
    customers to write its notices for, from ``cursor`` (None: the shard's first page); ids
    only, never an address."""

    announcement_id: str
    shard: NonNegativeInt
    cursor: str | None = None
