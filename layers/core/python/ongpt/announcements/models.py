"""Bodies of the announcement route."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    StringConstraints,
)

from ongpt.platform.models import FREE_TEXT, Strict


class AnnouncementPost(Strict):
    kind: Literal["product_update", "service_change"]
    title: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200), FREE_TEXT]
    body: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=5000), FREE_TEXT]


class AnnouncementAccepted(BaseModel):
    announcement_id: str
    recipients: int
