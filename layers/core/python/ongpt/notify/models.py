"""The customer's notices, as ``GET /v1/me/notifications`` answers them."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
)

from ongpt.platform.models import Paged


class Notification(BaseModel):
    type: str
    channel: Literal["email", "sms"]
    sent_at: str


class NotificationList(Paged):
    notifications: list[Notification]
