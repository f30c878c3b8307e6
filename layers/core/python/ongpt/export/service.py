"""Everything held about a customer, in one document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ongpt.platform.pages import EVERYTHING

if TYPE_CHECKING:
    from ongpt.audit.store import AuditLog
    from ongpt.complaints.service import Complaints
    from ongpt.consents.service import Consents
    from ongpt.contracts.service import Contracts
    from ongpt.customers.service import Customers
    from ongpt.disclosures.service import Disclosures
    from ongpt.edits.service import EditRequests
    from ongpt.notify.store import NoticeStore


@dataclass
class Exports:
    """The export, from each area's service (or store) of the customer's records."""

    customers: Customers
    consents: Consents
    edit_requests: EditRequests
    contracts: Contracts
    notice_store: NoticeStore
    complaints: Complaints
    disclosures: Disclosures
    audit_log: AuditLog

    def everything(self, customer_id: str) -> dict[str, Any]:
        """Unpaged: every record of each kind (the lists of ``/v1/me`` answer a page at a
        time)."""
        profile = self.customers.profile(customer_id)  # 404 for no customer
        return {
            "profile": profile.model_dump(mode="json"),
            "consents": {
                "current": self.consents.current(customer_id),
                "history": self.consents.history(customer_id),
            },
            "edit_requests": self.edit_requests.mine(customer_id, EVERYTHING).items,
            "contracts": self.contracts.of_customer(customer_id, EVERYTHING).items,
            "notifications": self.notice_store.of_customer(customer_id, EVERYTHING).items,
            "complaints": self.complaints.exported(customer_id),
            "disclosures": self.disclosures.visible_to_customer(customer_id, EVERYTHING).items,
            # Each staff access: its role, purpose and time, never who the member of staff was.
            "access_log": self.audit_log.accesses(customer_id, EVERYTHING).items,
        }
