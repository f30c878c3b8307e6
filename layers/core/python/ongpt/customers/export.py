"""The customer's export (GDPR arts. 15 and 20): everything held about them, in one document."""

from __future__ import annotations

from typing import Any

from ongpt import services
from ongpt.platform.access import STAFF_ROLES


def everything(customer_id: str) -> dict[str, Any]:
    profile = services.customers().profile(customer_id)  # 404 for no customer
    consents = services.consents()
    # Each staff access: its role, purpose and time, never who the member of staff was.
    access_log = [
        {"role": entry.role, "action": entry.action, "purpose": entry.purpose, "at": entry.at}
        for entry in services.audit_log().entries(customer_id)
        if entry.role in STAFF_ROLES.values()
    ]
    return {
        "profile": profile.model_dump(mode="json"),
        "consents": {
            "current": consents.current(customer_id),
            "history": consents.history(customer_id),
        },
        "edit_requests": services.edit_requests().mine(customer_id),
        "contracts": services.contracts().of_customer(customer_id),
        "notifications": services.notice_store().of_customer(customer_id),
        "complaints": services.complaints().of_customer(customer_id),
        "disclosures": services.disclosures().visible_to_customer(customer_id),
        "access_log": access_log,
    }
