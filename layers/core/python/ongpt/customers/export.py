"""The customer's export (GDPR arts. 15 and 20): everything held about them, in one document."""

from __future__ import annotations

from typing import Any

from ongpt import services
from ongpt.platform.pages import EVERYTHING


def everything(customer_id: str) -> dict[str, Any]:
    """Unpaged: every record of each kind (the lists of ``/v1/me`` answer a page at a time)."""
    profile = services.customers().profile(customer_id)  # 404 for no customer
    consents = services.consents()
    return {
        "profile": profile.model_dump(mode="json"),
        "consents": {
            "current": consents.current(customer_id),
            "history": consents.history(customer_id),
        },
        "edit_requests": services.edit_requests().mine(customer_id, EVERYTHING).items,
        "contracts": services.contracts().of_customer(customer_id, EVERYTHING).items,
        "notifications": services.notice_store().of_customer(customer_id, EVERYTHING).items,
        "complaints": services.complaints().exported(customer_id),
        "disclosures": services.disclosures().visible_to_customer(customer_id, EVERYTHING).items,
        # Each staff access: its role, purpose and time, never who the member of staff was.
        "access_log": services.audit_log().accesses(customer_id, EVERYTHING).items,
    }
