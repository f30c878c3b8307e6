"""The customer's own profile (P3.1): read by the customer, decrypted for them only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ongpt.customers.models import SEALED_FIELDS, Profile, optional_details
from ongpt.customers.store import CustomerStore
from ongpt.notify.notices import Contact
from ongpt.platform.errors import Erased, NotFound
from ongpt.security.crypto import seal, unseal
from ongpt.storage.key_store import KeyGone, KeyStore

ERASED = "ERASED"  # the status of an erased account: no personal value, no data key


@dataclass
class Customers:
    customer_store: CustomerStore
    key_store: KeyStore

    def _opened(
        self, customer_id: str, *, only_active: bool = False
    ) -> tuple[dict[str, Any], bytes] | None:
        """The customer's record and their data key (from the key store), or None for no such
        customer or an erased one (with ``only_active``, read consistently: any not
        ``ACTIVE``)."""
        record = self.customer_store.profile(customer_id, consistent=only_active)
        if record is None or record["status"] == ERASED:
            return None
        if only_active and record["status"] != "ACTIVE":
            return None
        return record, self.key_store.open({"customer_id": customer_id})

    def is_active(self, customer_id: str) -> bool:
        """Whether the account is ``ACTIVE`` (not closing, not erased): read without opening."""
        record = self.customer_store.profile(customer_id)
        return record is not None and record["status"] == "ACTIVE"

    def profile(self, customer_id: str) -> Profile:
        """The profile, opened: 404 for no such customer, 410 for an erased one, whose key the
        erasure destroyed with the profile's values. Decided by the key (read consistently), not
        by the profile's status: a read a moment after an erasure may still find the profile as
        it was before (an eventually consistent read, "DynamoDB read consistency",
        https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html)."""
        record = self.customer_store.profile(customer_id)
        if record is None:
            raise NotFound("No profile.")
        try:
            data_key = self.key_store.open({"customer_id": customer_id})
        except KeyGone:
            raise Erased("This customer's account was erased.") from None
        fields = {f: unseal(data_key, customer_id, f, record[f]) for f in SEALED_FIELDS}
        return Profile(
            customer_id=customer_id,
            full_name=fields["full_name"],
            email=fields["email"],
            phone=fields["phone"],
            optional=optional_details(fields["optional"]),
            status=record["status"],
            created_at=record["created_at"],
            updated_at=record["updated_at"],
        )

    def seal(self, customer_id: str, field: str, value: str) -> str:
        """``value`` sealed under the customer's data key, for a record kept beside the profile."""
        opened = self._opened(customer_id)
        if opened is None:
            raise NotFound("No such customer.")
        return seal(opened[1], customer_id, field, value)

    def unseal(self, customer_id: str, field: str, sealed: str) -> str:
        """A value ``seal`` sealed for the customer."""
        opened = self._opened(customer_id)
        if opened is None:
            raise NotFound("No such customer.")
        return unseal(opened[1], customer_id, field, sealed)

    def contact(self, customer_id: str, *, only_active: bool = False) -> Contact | None:
        """The customer's addresses and language, opened only for sending them something; with
        ``only_active``, None unless the account is ``ACTIVE`` (read consistently)."""
        opened = self._opened(customer_id, only_active=only_active)
        if opened is None:
            return None
        record, data_key = opened
        return Contact(
            customer_id=customer_id,
            email=unseal(data_key, customer_id, "email", record["email"]),
            phone=unseal(data_key, customer_id, "phone", record["phone"]),
            language=record.get("language"),
        )
