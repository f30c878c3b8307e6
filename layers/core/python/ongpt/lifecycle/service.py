"""The account's lifecycle (API.md, Account lifecycle): sign-out everywhere, closure with a grace
period and reactivation by staff, legal holds.

Closure, at once: the Cognito user disabled and signed out everywhere, then in one transaction
the profile ``CLOSING`` with ``erase_after`` (30 days), the pending edit requests withdrawn and
the ``marketing`` and ``product_updates`` consents withdrawn (history kept); if that
transaction fails the user is enabled again, so nothing is half-done. Both addresses are told,
each once (a marker per notice). A ``CLOSING`` profile is out of the active shards, so
announcements and renewal reminders skip it. Closing again answers the same ``erase_after`` and
finishes whatever a failed attempt left (sign-in still enabled, a notice not sent).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from ongpt.audit.store import AuditLog
from ongpt.consents.store import ConsentStore
from ongpt.customers.accounts import Accounts
from ongpt.customers.service import Customers
from ongpt.customers.store import CustomerStore
from ongpt.edits.service import OPEN as OPEN_EDITS
from ongpt.edits.store import EditStore
from ongpt.lifecycle.models import Closing, HoldRequest, LegalHold, Reactivated
from ongpt.lifecycle.store import LifecycleStore
from ongpt.notify.delivery import Kind, Notifier
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import Conflict, NotFound
from ongpt.storage.markers import Markers

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

GRACE_PERIOD = timedelta(days=30)
WITHDRAWN_AT_CLOSURE = ("marketing", "product_updates")


@dataclass
class AccountLifecycle:
    lifecycle_store: LifecycleStore
    customers: Customers
    customer_store: CustomerStore
    consent_store: ConsentStore
    edit_store: EditStore
    accounts: Accounts
    notifier: Notifier
    markers: Markers
    audit_log: AuditLog
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def _profile(self, customer_id: str) -> dict[str, Any]:
        record = self.customer_store.profile(customer_id)
        if record is None:
            raise NotFound("No such customer.")
        return record

    # Sign-out
    def sign_out(self, customer_id: str) -> None:
        """Every refresh token revoked (Cognito global sign-out)."""
        self._profile(customer_id)
        self.accounts.sign_out_everywhere(customer_id)

    # Closure
    def close(self, customer_id: str, reason: str | None) -> Closing:
        record = self._profile(customer_id)
        if record["status"] == "ACTIVE":
            record = self._begin_closure(customer_id, record, reason)
        elif record["status"] == "CLOSING":  # again: finish what a failed attempt left
            self.accounts.disable(customer_id)
            self.accounts.sign_out_everywhere(customer_id)
        else:
            raise Conflict(f"The account is {record['status']}.")
        self._tell_closing(customer_id, record)
        return Closing(erase_after=record["erase_after"])

    def _begin_closure(
        self, customer_id: str, record: dict[str, Any], reason: str | None
    ) -> dict[str, Any]:
        """Sign-in off, then the closure's records in one transaction (sign-in back on if it
        fails); the profile as it now is."""
        now = self.clock()
        at = timestamp(now)
        values = {"closed_at": at, "erase_after": timestamp(now + GRACE_PERIOD), "updated_at": at}
        if reason is not None:
            values["closure_reason"] = self.customers.seal(customer_id, "closure_reason", reason)
        self.audit_log.append(
            customer_id, actor=customer_id, role="customer", action="account.close"
        )
        self.accounts.disable(customer_id)
        try:
            self.accounts.sign_out_everywhere(customer_id)
            closed = self.lifecycle_store.close(
                customer_id, values, self._withdrawals(customer_id, at)
            )
        except BaseException:
            self.accounts.enable(customer_id)
            raise
        if not closed:  # closed meanwhile by a concurrent request: its answer stands
            return self._profile(customer_id)
        return {**record, **values, "status": "CLOSING"}

    def _withdrawals(self, customer_id: str, at: str) -> list[TransactWriteItemTypeDef]:
        """The transaction items that withdraw the open edit requests and the consents to
        marketing and product updates."""
        items = [
            self.edit_store.withdrawal(customer_id, edit["edit_request_id"], edit["status"], at)
            for edit in self.edit_store.of_customer(customer_id)
            if edit["status"] in OPEN_EDITS
        ]
        for consent in self.consent_store.current(customer_id):
            if consent["purpose"] in WITHDRAWN_AT_CLOSURE and consent["granted"]:
                state = {
                    "purpose": consent["purpose"],
                    "granted": False,
                    "updated_at": at,
                    "source": "closure",
                }
                items += self.consent_store.change(customer_id, state)
        return items

    def _tell_closing(self, customer_id: str, record: dict[str, Any]) -> None:
        """Both addresses, each once per closure, with the date after which it is erased and
        how to undo it."""
        contact = self.customers.contact(customer_id)
        if contact is None:
            raise NotFound("No such customer.")
        erase_on = str(record["erase_after"])[:10]
        for channel, send, address in (
            ("email", self.notifier.email, contact.email),
            ("sms", self.notifier.sms, contact.phone),
        ):
            self.markers.once(
                f"CUSTOMER#{customer_id}",
                f"CLOSENOTICE#{record['closed_at']}#{channel}",
                partial(
                    send,
                    address,
                    Kind.ACCOUNT_CLOSING,
                    contact.language,
                    customer_id=customer_id,
                    erase_on=erase_on,
                ),
            )

    def _audit(
        self, staff: Caller, customer_id: str, action: str, purpose: str, **details: str
    ) -> None:
        """A staff member's change, audited before it is made."""
        self.audit_log.append_by(
            staff,
            customer_id,
            action=action,
            purpose=purpose,
            details=details,
        )

    # Reactivation
    def reactivate(self, staff: Caller, customer_id: str, purpose: str, note: str) -> Reactivated:
        """``ACTIVE`` again while ``CLOSING`` (withdrawn consents stay withdrawn); 409 otherwise.
        Sign-in on first; off again if the profile cannot follow."""
        record = self._profile(customer_id)
        if record["status"] != "CLOSING":
            raise Conflict(f"The account is {record['status']}, not CLOSING.")
        self._audit(staff, customer_id, "account.reactivate", purpose)
        self.accounts.enable(customer_id)
        try:
            reopened = self.lifecycle_store.reopen(
                customer_id,
                timestamp(self.clock()),
                self.customers.seal(customer_id, "reactivation_note", note),
            )
        except BaseException:
            self.accounts.disable(customer_id)
            raise
        if not reopened:
            raise Conflict("The account is no longer CLOSING.")
        return Reactivated()

    # Legal holds
    def place_hold(self, staff: Caller, request: HoldRequest) -> dict[str, str]:
        """A hold on the customer's data: it stops their erasure while active (never a
        closure). Audited before it is written."""
        self._profile(request.customer_id)
        customer_id, hold_id = request.customer_id, str(uuid.uuid4())
        self._audit(staff, customer_id, "legal_hold.place", "legal_request", hold_id=hold_id)
        self.lifecycle_store.add_hold(
            {
                "hold_id": hold_id,
                "customer_id": customer_id,
                "authority_reference": request.authority_reference,
                "reason": self.customers.seal(
                    customer_id, f"hold-reason:{hold_id}", request.reason
                ),
                "status": "ACTIVE",
                "until": timestamp(request.until) if request.until else None,
                "created_at": timestamp(self.clock()),
                "created_by": staff.id,
            }
        )
        return {"hold_id": hold_id}

    def release_hold(self, staff: Caller, hold_id: str, note: str) -> dict[str, str]:
        hold = self.lifecycle_store.hold(hold_id)
        if hold is None:
            raise NotFound("No such legal hold.")
        if hold["status"] != "ACTIVE":
            raise Conflict("The hold is already released.")
        customer_id = hold["customer_id"]
        self._audit(staff, customer_id, "legal_hold.release", "legal_request", hold_id=hold_id)
        released = self.lifecycle_store.release_hold(
            customer_id,
            hold_id,
            {
                "released_at": timestamp(self.clock()),
                "released_by": staff.id,
                "release_note": self.customers.seal(customer_id, f"hold-note:{hold_id}", note),
            },
        )
        if not released:
            raise Conflict("The hold is already released.")
        return {"hold_id": hold_id, "status": "RELEASED"}

    def holds(self, staff: Caller, customer_id: str) -> list[LegalHold]:
        """The customer's holds, active and released; the read is audited."""
        self._profile(customer_id)
        self._audit(staff, customer_id, "legal_hold.list", "legal_request")
        views = []
        for hold in self.lifecycle_store.holds_of(customer_id):
            hid = hold["hold_id"]
            note = hold.get("release_note")
            views.append(
                LegalHold(
                    hold_id=hid,
                    customer_id=customer_id,
                    authority_reference=hold["authority_reference"],
                    reason=self.customers.unseal(customer_id, f"hold-reason:{hid}", hold["reason"]),
                    status=hold["status"],
                    created_at=hold["created_at"],
                    until=hold.get("until"),
                    released_at=hold.get("released_at"),
                    release_note=self.customers.unseal(customer_id, f"hold-note:{hid}", note)
                    if note
                    else None,
                )
            )
        return views
