"""The customer's notices, as ``GET /v1/me/notifications`` answers them."""

from __future__ import annotations

from typing import Literal

from ongpt.platform.models import Model


class Notification(Model):
    type: str
    channel: Literal["email", "sms"]
    sent_at: str


class NotificationList(Model):
    notifications: list[Notification]
