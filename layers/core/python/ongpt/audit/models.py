"""The body of the staff's audit read."""

from __future__ import annotations

from ongpt.audit.service import Entry, Verification
from ongpt.platform.models import Paged


class AuditRead(Paged):
    """A page of a customer's audit entries, oldest first, and the verification of their whole
    chain."""

    entries: list[Entry]
    verification: Verification
