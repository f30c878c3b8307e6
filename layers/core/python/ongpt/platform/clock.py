"""Time, one way everywhere: UTC, RFC 3339 with microseconds, so stored times sort as text."""

from __future__ import annotations

from datetime import UTC, datetime

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


def parse(text: str) -> datetime:
    """A stored or given RFC 3339 time (``Z`` or an offset) as an aware datetime."""
    return datetime.fromisoformat(text)
