"""The body of the staff's audit read (``GET /v1/staff/audit``), apart from the records
(``models``), which the jobs use without pydantic."""

from __future__ import annotations

from ongpt.audit.models import Entry, Verification
from ongpt.platform.models import Paged


class AuditRead(Paged):
    """A page of a customer's audit entries, oldest first, and the verification of their whole
    chain."""

    entries: list[Entry]
    verification: Verification
