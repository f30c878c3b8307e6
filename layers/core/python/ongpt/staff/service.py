"""Staff access to customers (P5): lookups by blind index, masked reads by default, clear values
only for the roles and purposes allowed, and every access written to the audit log first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ongpt.audit.store import AuditLog
from ongpt.customers.service import ERASED, Customers
from ongpt.customers.store import CustomerStore
from ongpt.platform.caller import Caller, Forbidden
from ongpt.platform.errors import Erased, NotFound
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
        (email case-insensitive, phone to E.164); the find is audited before it is returned."""
        try:
            kind, value = (
                ("email", normalize.email_key(search.email))
                if search.email is not None
                else ("phone", normalize.phone(search.phone or ""))
            )
        except ValueError:
            raise NotFound("No customer has that address.") from None
        customer_id = self.customer_store.owner_of(kind, self.blind_index.of(kind, value))
        record = self.customer_store.profile(customer_id) if customer_id else None
        if customer_id is None or record is None:
            raise NotFound("No customer has that address.")
        self.audit_log.append_by(
            staff,
            customer_id,
            action="customer.search",
            purpose=search.purpose,
            details={"by": kind},
        )
        return {"customer_id": customer_id, "status": record["status"]}

    def read(
        self, staff: Caller, customer_id: str, *, purpose: Purpose, reveal: bool
    ) -> dict[str, Any]:
        if reveal and not may_reveal(staff.role, purpose):
            raise Forbidden("This role may not see clear values for this purpose.")
        record = self.customer_store.profile(customer_id)
        if record is not None and record["status"] == ERASED:
            raise Erased("This customer's account was erased.")
        profile = self.customers.profile(customer_id).model_dump(mode="json")
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
