"""Bodies of the disclosure routes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from ongpt.platform.models import FREE_TEXT, Paged, Strict


def _end_of_day(value: object) -> object:
    """A date ``YYYY-MM-DD`` means the end of that day in UTC: hidden until the next midnight.
    Anything else is left to be validated as an RFC 3339 time."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.combine(date.fromisoformat(value) + timedelta(days=1), time.min, UTC)
    return value


# An RFC 3339 time, or a date (API.md, disclosures); documented as either.
ConfidentialUntil = Annotated[
    AwareDatetime,
    BeforeValidator(_end_of_day),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}
    ),
]

Slug = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9-]{2,64}$")]


class DisclosureRecord(Strict):
    customer_id: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
    recipient: Slug
    legal_basis: Literal["consent", "legal_obligation"]
    authority_reference: (
        Annotated[str, StringConstraints(strict=True, max_length=200), FREE_TEXT] | None
    ) = None
    data_categories: Annotated[
        list[Literal["contact", "profile", "contracts", "complaints", "consents"]],
        Field(min_length=1, max_length=5),
    ]
    confidential_until: ConfidentialUntil | None = None


class Disclosure(BaseModel):
    disclosure_id: str
    recipient: str
    legal_basis: Literal["consent", "legal_obligation"]
    authority_reference: str | None
    data_categories: list[str]
    recorded_at: str


class DisclosureList(Paged):
    disclosures: list[Disclosure]


class DisclosureRecorded(BaseModel):
    disclosure_id: str
