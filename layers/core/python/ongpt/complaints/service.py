"""Complaints (P6.2, P3.6): anyone may file one, guests with a contact, customers with their
account's, and the complainant gets a receipt naming its reference, in the filing's transaction;
staff move it from OPEN to IN_PROGRESS, and from OPEN or IN_PROGRESS to RESOLVED or REJECTED
(final), with a resolution; the complainant is told the outcome once: the move, its audit entry
(a customer's complaint; a guest has no chain) and the outcome notice are one transaction, and
the delivery worker sends the notice from the outbox.

Each complaint is sealed under a data key of its own (encryption context ``complaint_id``),
kept in the key store (``ongpt.storage.key_store``) like a customer's, so that erasure destroys it
with the same bound on every backup: a guest has no customer key, and one path serves both. Its
resolution, staff's free text, is
sealed under the same key when the complaint is closed. The outcome notice names the complaint
by its reference and date, never by the subject a guest wrote (which would let anyone make the
service mail their text to any address).

A complaint's reference is short and readable aloud, for a complainant to quote on the phone:
two groups of 4 characters (``K7M2-PQ9X``) from 30 that no one confuses when reading or hearing
them (digits 2-9 and the letters but I, L, O and U, as Crockford's base 32 leaves them out),
30^8 (6.6 * 10^11) of them, each held for one complaint by an item put under a condition in the
filing's transaction; a reference another complaint holds is drawn again. (Complaints filed before
references existed have none: none were ever deployed.)

The staff queue of each status is the ``by-status`` index (``COMPLAINT#<status>``, oldest
first), read a page at a time; a customer's complaints are listed through pointers in their
partition, oldest first.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from ongpt.audit.store import AuditLog
from ongpt.complaints.models import ComplaintFile
from ongpt.complaints.store import ComplaintStore, ReferenceTaken
from ongpt.customers.service import Customers
from ongpt.notify.delivery import Kind
from ongpt.notify.notices import to_customer
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import Conflict, NotFound, TooSoon, ValidationFailed
from ongpt.platform.pages import EVERYTHING, Page, PageRequest
from ongpt.security import masking
from ongpt.security.crypto import seal, unseal
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyStore
from ongpt.storage.outbox import Channel, Notice, Outbox, Owner

FINAL = ("RESOLVED", "REJECTED")
NEXT = {"OPEN": ("IN_PROGRESS", *FINAL), "IN_PROGRESS": FINAL}
SEALED = ("subject", "message", "contact")
RESOLUTION = "resolution"  # sealed too, once there is one
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_TRIES = 3  # with a million complaints filed, a draw is taken once in 650,000


def new_reference() -> str:
    """Two groups of 4 characters of ``REFERENCE_ALPHABET``, e.g. ``K7M2-PQ9X``."""
    return "-".join("".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4)) for _ in range(2))


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
        against the caller's day and with its receipt to the complainant, in one transaction:
        ``TooSoon`` past 5. Its reference is drawn again if another complaint holds it."""
        customer_id = who.id if who.kind == "customer" else None
        if customer_id:
            contact: dict[str, Any] = {}  # the account's, read when a notice is sent
        else:
            contact = (complaint.contact or _no_contact()).model_dump(exclude_none=True)
            if not (contact.get("email") or contact.get("phone")):
                _no_contact()
        owner = Owner({"complaint_id": complaint_id})
        data_key, key_item = self.key_store.new(dict(owner.context))
        values = {
            "subject": complaint.subject,
            "message": complaint.message,
            "contact": json.dumps(contact, ensure_ascii=False),
        }
        now = timestamp(self.clock())
        record: dict[str, Any] = {
            "complaint_id": complaint_id,
            "category": complaint.category,
            "status": "OPEN",
            "customer_id": customer_id,
            "created_at": now,
            "updated_at": now,
            **{f: seal(data_key, complaint_id, f, values[f]) for f in SEALED},
        }
        along = [key_item, *self.send_limits.complaint_by(who.id)]
        for _ in range(REFERENCE_TRIES):
            record["reference"] = new_reference()
            receipt = self._to_complainant(record, Kind.COMPLAINT_RECEIVED, contact)
            try:
                self.complaint_store.add(
                    record, along=[*along, *self.outbox.items(receipt, made=(owner, data_key))]
                )
            except ReferenceTaken:
                continue
            except TransactionConflict:
                if self.complaint_store.get(complaint_id) is None:  # else filed by a first attempt
                    raise TooSoon("At most 5 complaints a day: try again tomorrow.") from None
            return {"complaint_id": complaint_id, "status": "OPEN"}
        raise Conflict("The complaint could not be given a reference; please try again.")

    def _get(self, complaint_id: str) -> dict[str, Any]:
        found = self.complaint_store.get(complaint_id)
        if found is None:
            raise NotFound("No such complaint.")
        return found

    def _open(self, record: dict[str, Any]) -> dict[str, Any]:
        return self._opened(record, self.key_store.open({"complaint_id": record["complaint_id"]}))

    @staticmethod
    def _opened(record: dict[str, Any], data_key: bytes) -> dict[str, Any]:
        """The complaint's sealed values, opened with its ``data_key``; the contact as a dict."""
        cid = record["complaint_id"]
        opened = {
            f: unseal(data_key, cid, f, record[f]) for f in (*SEALED, RESOLUTION) if f in record
        }
        opened["contact"] = json.loads(opened["contact"])
        return opened

    def queue(self, staff: Caller, status: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the complaints in a state, oldest first: the text to resolve them, the
        contact masked. Only the page's complaints are opened (their keys read in one batch),
        and the page is answered once each read of a customer's is audited in their chain."""
        found = self.complaint_store.in_status(status, page)
        ids = [record["complaint_id"] for record in found.items]
        data_keys = self.key_store.open_all("complaint_id", ids)
        queued = found.map(lambda r: self._queued(r, self._opened(r, data_keys[r["complaint_id"]])))
        self.audit_log.append_each_by(
            staff,
            [
                (r["customer_id"], {"complaint_id": r["complaint_id"]})
                for r in found.items
                if r.get("customer_id")
            ],
            action="complaint.read",
            purpose="complaint_resolution",
        )
        return queued

    @staticmethod
    def _queued(record: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any]:
        """A complaint of the queue as staff see it: its text, the contact masked."""
        return {
            "complaint_id": record["complaint_id"],
            "reference": record["reference"],
            "category": record["category"],
            "status": record["status"],
            "created_at": record["created_at"],
            "customer_id": record.get("customer_id"),
            "subject": opened["subject"],
            "message": opened["message"],
            "contact": _masked(opened["contact"]),
        }

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
        """The outcome notice of a closed complaint (``_to_complainant``)."""
        opened = self._open(record)
        return self._to_complainant(
            record,
            Kind.COMPLAINT_OUTCOME,
            opened["contact"],
            outcome=record["status"].lower(),
            resolution=opened[RESOLUTION],
        )

    def _to_complainant(
        self, record: dict[str, Any], kind: Kind, contact: dict[str, str], **values: str
    ) -> list[Notice]:
        """A notice of ``kind`` about the complaint (its reference and filing day, and
        ``values``) to whoever filed it: to a customer's account email, sealed under their key
        (none if the account is gone); to a guest's ``contact``, email else phone, sealed under
        the complaint's own key."""
        complaint_id = record["complaint_id"]
        about = f"complaint:{complaint_id}"
        values = {"reference": record["reference"], "filed_on": record["created_at"], **values}
        customer_id = record.get("customer_id")
        if customer_id:
            account = self.customers.contact(customer_id)
            return to_customer(account, about, kind, ("email",), **values) if account else []
        channel: Channel = "email" if contact.get("email") else "sms"
        return [
            Notice(
                about=about,
                kind=kind.value,
                channel=channel,
                to=contact["email" if channel == "email" else "phone"],
                language=None,
                values=values,
                owner=Owner({"complaint_id": complaint_id}),
            )
        ]

    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's complaints, oldest first, as they see them: of each, only
        its resolution is opened (under the complaint's own key), once it has one."""
        found = self.complaint_store.of_customer(customer_id, page)
        keys = self._keys([record for record in found.items if RESOLUTION in record])
        return found.map(lambda record: self._as_filed(record, keys))

    def exported(self, customer_id: str) -> list[dict[str, Any]]:
        """Every complaint of the customer, with what they wrote (the export)."""
        records = self.complaint_store.of_customer(customer_id, EVERYTHING).items
        keys = self._keys(records)
        return [
            {
                **self._as_filed(record, keys),
                **{
                    f: unseal(keys[record["complaint_id"]], record["complaint_id"], f, record[f])
                    for f in ("subject", "message")
                },
            }
            for record in records
        ]

    def _keys(self, records: list[dict[str, Any]]) -> dict[str, bytes]:
        """The data keys of these complaints, by id, their items read together."""
        return self.key_store.open_all("complaint_id", [r["complaint_id"] for r in records])

    def _as_filed(self, record: dict[str, Any], keys: dict[str, bytes]) -> dict[str, Any]:
        """A complaint as its complainant sees it; ``keys`` holds its data key if resolved."""
        complaint_id = record["complaint_id"]
        view = {
            "complaint_id": complaint_id,
            "reference": record["reference"],
            "category": record["category"],
            "status": record["status"],
            "filed_at": record["created_at"],
        }
        if RESOLUTION in record:
            view[RESOLUTION] = unseal(
                keys[complaint_id], complaint_id, RESOLUTION, record[RESOLUTION]
            )
            view["resolved_at"] = record["updated_at"]
        return view


def _no_contact() -> NoReturn:
    raise ValidationFailed(
        "A guest must leave an email or a phone to be answered.",
        [{"field": "contact", "message": "email or phone required"}],
    )


def _masked(contact: dict[str, str]) -> dict[str, str]:
    masks = {"name": masking.name, "email": masking.email, "phone": masking.phone}
    return {k: masks[k](v) for k, v in contact.items() if k in masks and v}
