"""Notices for the outbox (``ongpt.storage.outbox``), as the services build them."""

from __future__ import annotations

from dataclasses import dataclass

from ongpt.notify.delivery import Kind
from ongpt.storage.outbox import Channel, Notice, customer


@dataclass(frozen=True)
class Contact:
    """How to reach a customer: both addresses were proven at registration."""

    customer_id: str
    email: str
    phone: str
    language: str | None


def to_customer(
    contact: Contact, about: str, kind: Kind, channels: tuple[Channel, ...], **values: str
) -> list[Notice]:
    """One notice per channel to the customer's proven addresses, sealed under their key;
    ``about`` names the change they tell of (one notice per change, kind and channel)."""
    addresses = {"email": contact.email, "sms": contact.phone}
    return [
        Notice(
            about=about,
            kind=kind.value,
            channel=channel,
            to=addresses[channel],
            language=contact.language,
            values=values,
            owner=customer(contact.customer_id),
        )
        for channel in channels
    ]


BOTH: tuple[Channel, ...] = ("email", "sms")  # both were proven at registration
