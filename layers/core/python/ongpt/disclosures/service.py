"""Disclosures (P3.7, P5): every disclosure of a customer's data to a third party or an authority
is recorded and audited. On the basis of consent, the customer's current
``third_party_sharing:<recipient>`` consent is required (and the disclosure written only while it
still holds); a legal obligation needs the authority's reference. A disclosure is written with its
audit entry, in one transaction: none is ever unaudited. Its id is the request's ``retry_id`` (as
a contract's is): a retry after a first attempt that committed, whose answer was lost, finds that
disclosure and answers as it did, recording no second one. Customers see their disclosures,
except while an authority's confidentiality order runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ongpt.audit.store import AuditLog
from ongpt.consents.store import ConsentStore
from ongpt.customers.store import CustomerStore
from ongpt.disclosures.models import DisclosureRecord
from ongpt.disclosures.store import DisclosureStore
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import ConsentRequired, NotFound, ValidationFailed
from ongpt.platform.pages import Page, PageRequest
from ongpt.storage.dynamo import TransactionConflict

FIELDS = (
    "disclosure_id",
    "recipient",
    "legal_basis",
    "authority_reference",
    "data_categories",
    "recorded_at",
)


@dataclass
class Disclosures:
    disclosure_store: DisclosureStore
    customer_store: CustomerStore
    consent_store: ConsentStore
    audit_log: AuditLog
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def record(
        self, staff: Caller, disclosure_id: str, request: DisclosureRecord
    ) -> dict[str, Any]:
        """Record the disclosure ``disclosure_id``, or find that a first attempt recorded it
        (then answered as it was, though the consent it relied on was withdrawn since)."""
        if request.legal_basis == "legal_obligation" and not request.authority_reference:
            raise ValidationFailed(
                "A legal obligation needs the authority's reference.",
                [{"field": "authority_reference", "message": "required"}],
            )
        if self.disclosure_store.recorded(request.customer_id, disclosure_id):
            return {"disclosure_id": disclosure_id}
        if self.customer_store.profile(request.customer_id) is None:
            raise NotFound("No such customer.")
        consent = f"third_party_sharing:{request.recipient}"
        on_consent = request.legal_basis == "consent"
        refused = ConsentRequired(f"The customer has not consented to {consent}.")
        if on_consent and not self.consent_store.granted(request.customer_id, consent):
            raise refused
        now = timestamp(self.clock())
        disclosure = self.disclosure_store.adding(
            request.customer_id,
            {
                "disclosure_id": disclosure_id,
                "recipient": request.recipient,
                "legal_basis": request.legal_basis,
                "authority_reference": request.authority_reference,
                "data_categories": list(request.data_categories),
                "recorded_by": staff.id,
                "recorded_at": now,
                "confidential_until": timestamp(request.confidential_until)
                if request.confidential_until
                else None,
            },
        )
        # Written only while the consent is still as read: a withdrawal in between refuses it.
        still = [self.consent_store.as_read(request.customer_id, consent, True)]
        try:
            self.audit_log.append_by(
                staff,
                request.customer_id,
                action="disclosure.record",
                purpose="legal_request" if request.legal_basis == "legal_obligation" else None,
                details={"disclosure_id": disclosure_id, "recipient": request.recipient},
                along=[disclosure, *(still if on_consent else [])],
            )
        except TransactionConflict as conflict:
            if 0 not in conflict.failed:  # not recorded by a first attempt: withdrawn since
                raise refused from None
        return {"disclosure_id": disclosure_id}

    def visible_to_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's disclosures, but those an authority's order still hides."""
        found = self.disclosure_store.visible(customer_id, timestamp(self.clock()), page)
        return found.map(lambda item: {k: item.get(k) for k in FIELDS})
