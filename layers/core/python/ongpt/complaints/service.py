"""Complaints (P6.2, P3.6): anyone may file one, guests with a contact, customers with their
account's; staff move it from OPEN to IN_PROGRESS, and from OPEN or IN_PROGRESS to RESOLVED or
REJECTED (final), with a resolution; the complainant is told the outcome once: the move, its
audit entry (a customer's complaint; a guest has no chain) and the outcome notice are one
transaction, and the delivery worker sends the notice from the outbox.

Each complaint is sealed under a data key of its own (encryption context ``complaint_id``),
kept in the key store (``ongpt.storage.key_store``) like a customer's, so that erasure destroys it
with the same bound on every backup: a guest has no customer key, and one path serves both. Its
resolution, staff's free text, is
sealed under the same key when the complaint is closed. The outcome notice names the complaint
by its reference and date, never by the subject a guest wrote (which would let anyone make the
service mail their text to any address). The staff queue of each status is the
``by-status`` index (``COMPLAINT#<status>``, oldest first); a customer's complaints are listed
through pointers in their partition.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from ongpt.audit.store import AuditLog
from ongpt.complaints.models import ComplaintFile
from ongpt.complaints.store import ComplaintStore
from ongpt.customers.service import Customers
from ongpt.notify.delivery import Kind
from ongpt.notify.notices import to_customer
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import Conflict, NotFound, TooSoon, ValidationFailed
from ongpt.security import masking
from ongpt.security.crypto import seal, unseal
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyStore
from ongpt.storage.outbox import Channel, Notice, Outbox, Owner

FINAL = ("RESOLVED", "REJECTED")
NEXT = {"OPEN": ("IN_PROGRESS", *FINAL), "IN_PROGRESS": FINAL}
SEALED = ("subject", "message", "contact")
RESOLUTION = "resolution"  # sealed too, once there is one


@dataclass
class Complaints:
    complaint_store: ComplaintStore
    customers: Customers
    key_store: KeyStore
    outbox: Outbox
    audit_log: AuditLog
    send_limits: SendLimits  # at most 5 complaints per caller a day
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def file(self, who: Caller, complaint_id: str, complaint: ComplaintFile) -> dict[str, Any]:
        """File the complaint ``complaint_id`` (or find that a first attempt filed it), counted
        against the caller's day in the same transaction: ``TooSoon`` past 5."""
        customer_id = who.id if who.kind == "customer" else None
        if customer_id:
            contact: dict[str, Any] = {}  # the account's, read when the outcome is sent
        else:
            contact = (complaint.contact or _no_contact()).model_dump(exclude_none=True)
            if not (contact.get("email") or contact.get("phone")):
                _no_contact()
        context = {"complaint_id": complaint_id}
        data_key, key_item = self.key_store.new(context)
        values = {
            "subject": complaint.subject,
            "message": complaint.message,
            "contact": json.dumps(contact, ensure_ascii=False),
        }
        now = timestamp(self.clock())
        try:
            self.complaint_store.add(
                {
                    "complaint_id": complaint_id,
                    "category": complaint.category,
                    "status": "OPEN",
                    "customer_id": customer_id,
                    "created_at": now,
                    "updated_at": now,
                    **{f: seal(data_key, complaint_id, f, values[f]) for f in SEALED},
                },
                along=[key_item, *self.send_limits.complaint_by(who.id)],
            )
        except TransactionConflict:
            if self.complaint_store.get(complaint_id) is None:  # else filed by a first attempt
                raise TooSoon("At most 5 complaints a day: try again tomorrow.") from None
        return {"complaint_id": complaint_id, "status": "OPEN"}

    def _get(self, complaint_id: str) -> dict[str, Any]:
        found = self.complaint_store.get(complaint_id)
        if found is None:
            raise NotFound("No such complaint.")
        return found

    def _open(self, record: dict[str, Any]) -> dict[str, Any]:
        cid = record["complaint_id"]
        data_key = self.key_store.open({"complaint_id": cid})
        opened = {
            f: unseal(data_key, cid, f, record[f]) for f in (*SEALED, RESOLUTION) if f in record
        }
        opened["contact"] = json.loads(opened["contact"])
        return opened

    def queue(self, staff: Caller, status: str) -> list[dict[str, Any]]:
        """Complaints in a state, oldest first: the text to resolve them, the contact masked."""
        listed = []
        for record in self.complaint_store.in_status(status):
            opened = self._open(record)
            if record.get("customer_id"):
                self.audit_log.append_by(
                    staff,
                    record["customer_id"],
                    action="complaint.read",
                    purpose="complaint_resolution",
                    details={"complaint_id": record["complaint_id"]},
                )
            listed.append(
                {
                    "complaint_id": record["complaint_id"],
                    "category": record["category"],
                    "status": record["status"],
                    "created_at": record["created_at"],
                    "customer_id": record.get("customer_id"),
                    "subject": opened["subject"],
                    "message": opened["message"],
                    "contact": _masked(opened["contact"]),
                }
            )
        return listed

    def update(
        self, staff: Caller, complaint_id: str, status: str, resolution: str | None
    ) -> dict[str, Any]:
        """The move, its audit entry (a customer's complaint) and, when it closes the complaint,
        the outcome notice: one transaction, so the complainant is told once or nothing moved."""
        record = self._get(complaint_id)
        if status not in NEXT.get(record["status"], ()):
            raise Conflict(f"A complaint that is {record['status']} cannot become {status}.")
        done = status in FINAL
        if done and not resolution:
            raise ValidationFailed(
                "Say how the complaint was resolved.",
                [{"field": "resolution", "message": "required to close"}],
            )
        changes: dict[str, Any] = {
            "status": status,
            "updated_at": timestamp(self.clock()),
            "handled_by": staff.id,
        }
        if done:
            data_key = self.key_store.open({"complaint_id": complaint_id})
            changes[RESOLUTION] = seal(data_key, complaint_id, RESOLUTION, resolution or "")
        notices = self.outbox.items(self._outcome({**record, **changes}) if done else [])
        customer_id = record.get("customer_id")
        if not customer_id:
            self.complaint_store.move(complaint_id, record["status"], changes, along=notices)
            return {"complaint_id": complaint_id, "status": status}
        try:
            self.audit_log.append_by(
                staff,
                customer_id,
                action=f"complaint.{status.lower()}",
                purpose="complaint_resolution",
                details={"complaint_id": complaint_id},
                along=[
                    *self.complaint_store.moving(complaint_id, record["status"], changes),
                    *notices,
                ],
            )
        except TransactionConflict:
            raise Conflict("The complaint changed meanwhile.") from None
        return {"complaint_id": complaint_id, "status": status}

    def _outcome(self, record: dict[str, Any]) -> list[Notice]:
        """The outcome notice of a closed complaint: to a customer's account email, sealed under
        their key (none if the account is gone); to a guest's email, else their phone, sealed
        under the complaint's own key."""
        complaint_id = record["complaint_id"]
        opened = self._open(record)
        about = f"complaint:{complaint_id}"
        values = {
            "reference": complaint_id[:8].upper(),
            "filed_on": record["created_at"],
            "outcome": record["status"].lower(),
            "resolution": opened[RESOLUTION],
        }
        customer_id = record.get("customer_id")
        if customer_id:
            account = self.customers.contact(customer_id)
            if account is None:
                return []
            return to_customer(account, about, Kind.COMPLAINT_OUTCOME, ("email",), **values)
        contact = opened["contact"]
        channel: Channel = "email" if contact.get("email") else "sms"
        return [
            Notice(
                about=about,
                kind=Kind.COMPLAINT_OUTCOME.value,
                channel=channel,
                to=contact["email" if channel == "email" else "phone"],
                language=None,
                values=values,
                owner=Owner({"complaint_id": complaint_id}),
            )
        ]

    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        listed = []
        for complaint_id in self.complaint_store.ids_of_customer(customer_id):
            record = self._get(complaint_id)
            opened = self._open(record)
            listed.append(
                {
                    "complaint_id": record["complaint_id"],
                    "category": record["category"],
                    "status": record["status"],
                    "subject": opened["subject"],
                    "created_at": record["created_at"],
                    "resolution": opened.get(RESOLUTION),
                }
            )
        return listed


def _no_contact() -> NoReturn:
    raise ValidationFailed(
        "A guest must leave an email or a phone to be answered.",
        [{"field": "contact", "message": "email or phone required"}],
    )


def _masked(contact: dict[str, str]) -> dict[str, str]:
    masks = {"name": masking.name, "email": masking.email, "phone": masking.phone}
    return {k: masks[k](v) for k, v in contact.items() if k in masks and v}
