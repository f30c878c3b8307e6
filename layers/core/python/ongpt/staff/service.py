"""Staff access to customers (P5): lookups by blind index, masked reads by default, clear values
only for the roles and purposes allowed, and every access written to the audit log first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ongpt.audit.models import SYSTEM
from ongpt.audit.store import AuditLog
from ongpt.customers.service import Customers
from ongpt.customers.store import CustomerStore
from ongpt.platform.caller import Caller, Forbidden
from ongpt.platform.errors import NotFound
from ongpt.security import masking, normalize
from ongpt.security.crypto import BlindIndex
from ongpt.staff.models import CustomerSearch, Purpose

__all__ = ["Purpose", "StaffAccess", "may_reveal"]


def may_reveal(role: str | None, purpose: Purpose) -> bool:
    """Support and Admin may see clear values; Compliance only for a legal request."""
    if role in ("support", "admin"):
        return True
    return role == "compliance" and purpose is Purpose.LEGAL_REQUEST


@dataclass
class StaffAccess:
    customers: Customers
    customer_store: CustomerStore
    blind_index: BlindIndex
    audit_log: AuditLog

    def search(self, staff: Caller, search: CustomerSearch) -> dict[str, str]:
        """The customer with an exact email or phone, after the same normalisation as sign-up
        (email case-insensitive, phone to E.164); the search is audited before it is answered:
        a find in the customer's chain, a miss in the ``SYSTEM`` chain (no customer to name)."""
        kind = "email" if search.email is not None else "phone"
        customer_id = self._owner(kind, search)
        record = self.customer_store.profile(customer_id) if customer_id else None
        if customer_id is None or record is None:
            self._audit_search(staff, search, SYSTEM, {"by": kind, "found": False})
            raise NotFound("No customer has that address.")
        self._audit_search(staff, search, customer_id, {"by": kind})
        return {"customer_id": customer_id, "status": record["status"]}

    def _audit_search(
        self, staff: Caller, search: CustomerSearch, subject: str, details: dict[str, Any]
    ) -> None:
        """The search's entry: which kind of address, never the address nor its blind index (the
        audit log is kept for as long as the service runs)."""
        self.audit_log.append_by(
            staff, subject, action="customer.search", purpose=search.purpose, details=details
        )

    def _owner(self, kind: str, search: CustomerSearch) -> str | None:
        """Whose address it is, by its blind index; None for no one (or no address at all)."""
        try:
            value = (
                normalize.email_key(search.email or "")
                if kind == "email"
                else normalize.phone(search.phone or "")
            )
        except ValueError:
            return None
        return self.customer_store.owner_of(kind, self.blind_index.of(kind, value))

    def read(
        self, staff: Caller, customer_id: str, *, purpose: Purpose, reveal: bool
    ) -> dict[str, Any]:
        if reveal and not may_reveal(staff.role, purpose):
            raise Forbidden("This role may not see clear values for this purpose.")
        profile = self.customers.profile(customer_id).model_dump(mode="json")  # 410 if erased
        # Recorded before anything is returned: no audit entry, no data.
        self.audit_log.append_by(
            staff,
            customer_id,
            action="customer.reveal" if reveal else "customer.read",
            purpose=purpose,
        )
        if reveal:
            return {**profile, "masked": False}
        return {
            **profile,
            "full_name": masking.name(profile["full_name"]),
            "email": masking.email(profile["email"]),
            "phone": masking.phone(profile["phone"]),
            "optional": {k: "***" for k, v in profile["optional"].items() if v is not None},
            "masked": True,
        }
