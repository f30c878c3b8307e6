"""Bodies of the consent routes."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    StrictBool,
)

from ongpt.platform.models import Strict

THIRD_PARTY_PREFIX = "third_party_sharing:"
RECIPIENT_MAX = 64  # API.md: recipient slug [a-z0-9-]{2,64}
# The longest purpose in a path: a third party's, with a recipient of the greatest length.
PURPOSE_MAX = len(THIRD_PARTY_PREFIX) + RECIPIENT_MAX


class ConsentChange(Strict):
    granted: StrictBool


class Consent(BaseModel):
    """A purpose's current state; ``version`` only for the policy and terms accepted."""

    purpose: str
    granted: bool
    updated_at: str
    version: str | None = None


class ConsentList(BaseModel):
    consents: list[Consent]


class ConsentChangeRecord(BaseModel):
    purpose: str
    granted: bool
    version: str | None
    updated_at: str
    source: str | None


class ConsentsHeld(BaseModel):
    current: list[Consent]
    history: list[ConsentChangeRecord]
