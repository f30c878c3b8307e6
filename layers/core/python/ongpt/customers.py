"""The customer's own profile (P3.1): read by the customer, decrypted for them only."""

from __future__ import annotations

from dataclasses import dataclass

from ongpt.crypto import DataKeys, unseal
from ongpt.errors import NotFound
from ongpt.models import Profile
from ongpt.registration import SEALED_FIELDS, optional_details
from ongpt.stores import CustomerStore


@dataclass(frozen=True)
class Contact:
    """How to reach a customer: both addresses were proven at registration."""

    customer_id: str
    email: str
    phone: str
    language: str | None


@dataclass
class Customers:
    store: CustomerStore
    keys: DataKeys

    def profile(self, customer_id: str) -> Profile:
        record = self.store.profile(customer_id)
        if record is None:
            raise NotFound("No profile.")
        data_key = self.keys.open(record["dek"], {"customer_id": customer_id})
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

    def contact(self, customer_id: str) -> Contact | None:
        """The customer's addresses and language, opened only for sending them something."""
        record = self.store.profile(customer_id)
        if record is None:
            return None
        data_key = self.keys.open(record["dek"], {"customer_id": customer_id})
        return Contact(
            customer_id=customer_id,
            email=unseal(data_key, customer_id, "email", record["email"]),
            phone=unseal(data_key, customer_id, "phone", record["phone"]),
            language=record.get("language"),
        )
