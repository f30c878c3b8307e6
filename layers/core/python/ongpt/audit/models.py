"""The body of the staff's audit read."""

from __future__ import annotations

from ongpt.audit.service import Entry, Verification
from ongpt.platform.models import Model


class AuditRead(Model):
    """A customer's audit entries and the verification of their chain."""

    entries: list[Entry]
    verification: Verification
