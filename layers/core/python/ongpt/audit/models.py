"""The body of the staff's audit read."""

from __future__ import annotations

from pydantic import (
    BaseModel,
)

from ongpt.audit.service import Entry, Verification


class AuditRead(BaseModel):
    """A customer's audit entries and the verification of their chain."""

    entries: list[Entry]
    verification: Verification
