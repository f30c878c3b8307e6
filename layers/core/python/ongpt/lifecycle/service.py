"""The account's lifecycle (API.md, Account lifecycle): sign-out everywhere, closure with a grace
period and reactivation by staff, legal holds.

Each decision is one conditional write of the profile's status (DESIGN.md, "Decide, then act"), with
its audit entry and its notices (DESIGN.md, "One shape for every write"); Cognito follows the status
that write recorded, never the other way round. Closure: in one transaction the profile ``ACTIVE``
-> ``CLOSING`` with ``erase_after`` (30 days), the open edit requests withdrawn (at most 3, and none
filed since they were read), the ``marketing`` and ``product_updates`` consents withdrawn (history
kept; each on condition that it is as read), one fewer on the counts of active customers (and of
those who consent to product updates), the ``account.close`` audit entry and one outbox notice to
each address (the delivery worker sends them); then sign-in off and every session signed out. A
``CLOSING`` profile is out of the active shards, so announcements and renewal reminders skip it.
Closing again answers the same ``erase_after``, tells nobody again, and makes sign-in follow the
status again (a retry after Cognito failed finishes the closure). Reactivation: ``CLOSING`` ->
``ACTIVE`` with its audit entry, a notice to each address and one more on the counts in one
transaction, then sign-in on. Neither the erasure's ``ERASING`` nor ``ERASED`` can be reactivated or
held (``ongpt.erasure``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ongpt.audit.store import AuditLog
from ongpt.consents.service import COUNTED
from ongpt.consents.store import ConsentStore
from ongpt.customers.accounts import Accounts
from ongpt.customers.service import Customers
from ongpt.customers.store import CustomerStore
from ongpt.edits.store import EditStore
from ongpt.lifecycle.models import Closing, HoldRequest, LegalHold, Reactivated
from ongpt.lifecycle.store import LifecycleStore
from ongpt.notify.delivery import Kind
from ongpt.notify.notices import BOTH, to_customer
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import Conflict, NotFound, SignInGone
from ongpt.platform.pages import Page, PageRequest
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.outbox import Outbox
from ongpt.storage.replays import made_by, replayed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

GRACE_PERIOD = timedelta(days=30)
WITHDRAWN_AT_CLOSURE = ("marketing", "product_updates")
FOLLOW_TRIES = 5  # reads of the status while sign-in follows it; it changes only by decisions


@dataclass
class AccountLifecycle:
    lifecycle_store: LifecycleStore
    customers: Customers
    customer_store: CustomerStore
    consent_store: ConsentStore
    edit_store: EditStore
    accounts: Accounts
    outbox: Outbox
    audit_log: AuditLog
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def _profile(self, customer_id: str) -> dict[str, Any]:
        record = self.customer_store.profile(customer_id)
        if record is None:
            raise NotFound("No such customer.")
        return record

    # Sign-out
    def sign_out(self, customer_id: str) -> None:
        """Every refresh token revoked (Cognito global sign-out); with no sign-in left (its
        Cognito user gone), no token can be refreshed: signed out."""
        self._profile(customer_id)
        with suppress(SignInGone):
            self.accounts.sign_out_everywhere(customer_id)

    # Closure
    def close(self, customer_id: str, reason: str | None) -> Closing:
        """``CLOSING``, decided by one conditional write (or found so: the same answer), then
        sign-in off; 409 for an account past its grace period."""
        record = self._profile(customer_id)
        if record["status"] == "ACTIVE":
            record = self._begin_closure(customer_id, reason)
        elif record["status"] != "CLOSING":
            raise Conflict(f"The account is {record['status']}.")
        self._sign_in_follows(customer_id)
        return Closing(erase_after=record["erase_after"])

    def _begin_closure(self, customer_id: str, reason: str | None) -> dict[str, Any]:
        """The closure, its audit entry and its notices in one transaction, if the account is
        still ``ACTIVE``; the profile as it now is (a concurrent closure's, if that one won)."""
        contact = self.customers.contact(customer_id)
        if contact is None:
            raise NotFound("No such customer.")
        now = self.clock()
        at, erase_after = timestamp(now), timestamp(now + GRACE_PERIOD)
        values = {"closed_at": at, "erase_after": erase_after, "updated_at": at}
        if reason is not None:
            values["closure_reason"] = self.customers.seal(customer_id, "closure_reason", reason)
        notices = to_customer(
            contact,
            f"closure:{customer_id}:{at}",
            Kind.ACCOUNT_CLOSING,
            BOTH,
            erase_on=erase_after,
        )
        try:
            self.audit_log.append(
                customer_id,
                actor=customer_id,
                role="customer",
                action="account.close",
                along=[
                    self.lifecycle_store.closing(customer_id, values),
                    *self._withdrawals(customer_id, at),
                    *self.outbox.items(notices),
                ],
            )
        except TransactionConflict as conflict:
            record = self._profile(customer_id)
            if 0 in conflict.failed and record["status"] == "CLOSING":
                return record  # closed meanwhile by a concurrent request: its answer
            raise Conflict("The account changed meanwhile; try again.") from None
        return {**values, "status": "CLOSING"}

    def _sign_in_follows(self, customer_id: str) -> None:
        """Cognito made to follow the account's recorded status: sign-in on while ``ACTIVE``;
        off, and every session signed out, while ``CLOSING``. The status is read again after
        each change until it holds still, so a late call (a closure's retry running beside a
        reactivation) never leaves sign-in other than the status last recorded says. ``ERASING``
        and ``ERASED``: the erasure deletes the user."""
        followed = None
        for _ in range(FOLLOW_TRIES):
            status = self.customer_store.status(customer_id)
            if status == followed or status not in ("ACTIVE", "CLOSING"):
                return
            if status == "ACTIVE":
                self.accounts.enable(customer_id)
            else:
                with suppress(SignInGone):  # a sign-in gone is off already: erased in its time
                    self.accounts.disable(customer_id)
                    self.accounts.sign_out_everywhere(customer_id)
            followed = status
        raise Conflict("The account keeps changing; try again.")

    def _withdrawals(self, customer_id: str, at: str) -> list[TransactWriteItemTypeDef]:
        """The transaction items that withdraw the open edit requests (at most 3: the
        transaction stays far below DynamoDB's 100 items) and the consents to marketing and
        product updates, each as read, and count the customer out of the active ones."""
        open_edits = self.edit_store.open_of(customer_id)
        items = [
            *(
                self.edit_store.withdrawal(
                    customer_id, edit["edit_request_id"], edit["status"], at, None
                )
                for edit in open_edits
            ),
            self.edit_store.none_open(customer_id, len(open_edits)),
        ]
        granted = {c["purpose"] for c in self.consent_store.current(customer_id) if c["granted"]}
        for purpose in WITHDRAWN_AT_CLOSURE:
            if purpose in granted:
                state = {
                    "purpose": purpose,
                    "granted": False,
                    "updated_at": at,
                    "source": "closure",
                }
                items += self.consent_store.change(customer_id, state, was=True)
            else:  # still withheld: a grant at the same moment fails the closure (409)
                items.append(self.consent_store.as_read(customer_id, purpose, False))
        consenting = int(COUNTED in granted)
        items.append(
            self.customer_store.counting(customer_id, active=-1, product_updates=-consenting)
        )
        return items

    def _audit(
        self,
        staff: Caller,
        customer_id: str,
        action: str,
        along: Sequence[TransactWriteItemTypeDef] = (),
        **details: str,
    ) -> None:
        """A staff member's action on a legal hold, audited in the transaction of ``along``."""
        self.audit_log.append_by(
            staff,
            customer_id,
            action=action,
            purpose="legal_request",
            details=details,
            along=along,
        )

    # Reactivation
    def reactivate(
        self, staff: Caller, customer_id: str, request_id: str, purpose: str, note: str
    ) -> Reactivated:
        """``ACTIVE`` again while ``CLOSING`` (withdrawn consents stay withdrawn): the profile,
        its audit entry and a notice to each address (how to close again) in one conditional
        transaction, then sign-in on. 409 otherwise, but to a retry of the request that
        reactivated it (``ongpt.storage.replays``), which finishes what it left undone; and 409 if
        its sign-in is gone (``SignInGone``: it stays ``CLOSING``, erased in its time)."""
        record = self._profile(customer_id)
        if replayed(record, request_id, status="ACTIVE"):
            self._sign_in_follows(customer_id)
            return Reactivated()
        if record["status"] != "CLOSING":
            raise Conflict(f"The account is {record['status']}, not CLOSING.")
        self.accounts.require(customer_id)  # no sign-in to turn on: SignInGone, stays CLOSING
        contact = self.customers.contact(customer_id)
        if contact is None:
            raise NotFound("No such customer.")
        at = timestamp(self.clock())
        note_sealed = self.customers.seal(customer_id, "reactivation_note", note)
        about = f"reactivation:{customer_id}:{at}"
        notices = to_customer(contact, about, Kind.ACCOUNT_REACTIVATED, BOTH)
        consenting = self.consent_store.granted(customer_id, COUNTED)  # withdrawn at closure
        try:
            self.audit_log.append_by(
                staff,
                customer_id,
                action="account.reactivate",
                purpose=purpose,
                along=[
                    self.lifecycle_store.reopening(customer_id, at, note_sealed, request_id),
                    *self.outbox.items(notices),
                    self.consent_store.as_read(customer_id, COUNTED, consenting),
                    self.customer_store.counting(
                        customer_id, active=1, product_updates=int(consenting)
                    ),
                ],
            )
        except TransactionConflict:  # no longer CLOSING: reactivated or being erased meanwhile
            raise Conflict("The account is no longer CLOSING.") from None
        self._sign_in_follows(customer_id)
        return Reactivated()

    # Legal holds
    def place_hold(self, staff: Caller, hold_id: str, request: HoldRequest) -> dict[str, str]:
        """A hold on the customer's data: it stops their erasure while active (never a
        closure). The hold ``hold_id``, its count on the profile (refused once the account is
        ``ERASING`` or ``ERASED``: 409) and its audit entry are one transaction; a retry after a
        first attempt that committed finds the hold and answers as it did."""
        self._profile(request.customer_id)
        customer_id = request.customer_id
        hold = self.lifecycle_store.adding_hold(
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
        try:
            self._audit(staff, customer_id, "legal_hold.place", hold, hold_id=hold_id)
        except TransactionConflict:
            if self.lifecycle_store.hold(hold_id) is None:  # not placed by a first attempt
                raise Conflict("The account is being erased.") from None
        return {"hold_id": hold_id}

    def release_hold(
        self, staff: Caller, hold_id: str, request_id: str, note: str
    ) -> dict[str, str]:
        """The hold released, with its audit entry, in one transaction; 409 if it is not
        active, but to a retry of the request that released it (``ongpt.storage.replays``)."""
        hold = self.lifecycle_store.hold(hold_id)
        if hold is None:
            raise NotFound("No such legal hold.")
        released = {"hold_id": hold_id, "status": "RELEASED"}
        if replayed(hold, request_id, status="RELEASED"):
            return released
        if hold["status"] != "ACTIVE":
            raise Conflict("The hold is already released.")
        customer_id = hold["customer_id"]
        release = self.lifecycle_store.releasing_hold(
            customer_id,
            hold_id,
            {
                "released_at": timestamp(self.clock()),
                "released_by": staff.id,
                "release_note": self.customers.seal(customer_id, f"hold-note:{hold_id}", note),
                **made_by(request_id),
            },
        )
        try:
            self._audit(staff, customer_id, "legal_hold.release", [release], hold_id=hold_id)
        except TransactionConflict:
            raise Conflict("The hold is already released.") from None
        return released

    def holds(self, staff: Caller, customer_id: str, page: PageRequest) -> Page[LegalHold]:
        """A page of the customer's holds, active and released; the read is audited."""
        self._profile(customer_id)
        self._audit(staff, customer_id, "legal_hold.list")
        return self.lifecycle_store.page_of_holds(customer_id, page).map(
            lambda hold: self._hold_view(customer_id, hold)
        )

    def _hold_view(self, customer_id: str, hold: dict[str, Any]) -> LegalHold:
        hid, note = hold["hold_id"], hold.get("release_note")
        return LegalHold(
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
