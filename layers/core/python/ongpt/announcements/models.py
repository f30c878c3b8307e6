"""Bodies of the announcement route."""

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


class ShardMessage(Message):
    """The announcement queue's message: an announcement and one shard of active customers to
    send it to, never an address."""

    announcement_id: str
    shard: NonNegativeInt
