"""Edit requests (P6.1): a customer asks, with a reason, to change contact details; a new email or
phone is first proven with codes sent to it; staff approve or reject. Approval applies every
change at once: the sealed profile and the address guards (a clash with another account rejects
the request), then the Cognito attributes, so the new email signs in and the old one no longer
does, and every session of the customer is signed out. The customer is told on the old and the
new addresses.

A request's id is its retry id (``Api.retry_id``, the same for every retry with the same
``Idempotency-Key``): a retry after a fault finds the request its first attempt filed instead of
filing a second. A customer has at most 3 open requests (``edits.store.MAX_OPEN``): the filing
counts itself in its transaction, on condition that fewer are open (the fourth: 409
``TOO_MANY_OPEN``), and each withdrawal or decision counts one fewer. Each new address's code is
claimed on the request (its hash set, only if none is) before it is sent, and the claim is taken
back if the send fails: a retry sends the codes a failed first attempt did not send, and none that
it did.

A decision or a withdrawal, its audit entry and (an approval) the notices to the old and new
addresses are one transaction (at most 13 items: the profile, the record of its guards, two guard
moves of two items each, the request, the entry, four notices, the count), conditional on the
request still awaiting review; the delivery worker sends the notices. A new address's blind index is
kept sealed on the request, as the change is. Cognito follows an approval once it is recorded
(DESIGN.md, "Decide, then act"): the sign-in addresses are set to the profile's, read again until
they hold still, then every session is signed out; a retry of the request that decided finishes
that. A customer whose sign-in is gone has the profile corrected alone (correcting the record needs
no sign-in)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ongpt.audit.store import AuditLog
from ongpt.customers.accounts import Accounts
from ongpt.customers.store import CustomerStore
from ongpt.edits.models import EditRequestCreate, EditVerification
from ongpt.edits.store import OPEN, EditStore
from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.business_metrics import count
from ongpt.platform.caller import Caller
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.errors import (
    AlreadyRegistered,
    Conflict,
    DependencyUnavailable,
    InvalidCode,
    NotFound,
    SignInGone,
)
from ongpt.platform.pages import Page, PageRequest
from ongpt.security import codes, masking, normalize
from ongpt.security.crypto import BlindIndex, seal, unseal
from ongpt.storage.code_rounds import Refusal, Refusals, counted_unless_failed
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyStore
from ongpt.storage.outbox import Channel, Notice, Outbox, customer
from ongpt.storage.replays import made_by, replayed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
REFUSALS = Refusals(
    missing="No such edit request.",
    locked="Too many wrong codes: make a new request.",
    expired="The codes have expired; make a new request.",
)
ADDRESSES = ("email", "phone")
FOLLOW_TRIES = 5  # reads of the profile while Cognito's addresses follow it


@dataclass
class EditRequests:
    edit_store: EditStore
    customer_store: CustomerStore
    key_store: KeyStore
    blind_index: BlindIndex
    notifier: Notifier  # the codes, sent before the answer
    outbox: Outbox
    audit_log: AuditLog
    accounts: Accounts
    send_limits: SendLimits
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def _profile(self, customer_id: str) -> tuple[dict[str, Any], bytes]:
        record = self.customer_store.profile(customer_id)
        if record is None:
            raise NotFound("No profile.")
        return record, self.key_store.open({"customer_id": customer_id})

    # The customer
    def create(self, customer_id: str, edit_id: str, request: EditRequestCreate) -> dict[str, Any]:
        """File the edit request ``edit_id`` (or find that a first attempt filed it), then send
        each new address its code, once."""
        profile, data_key = self._profile(customer_id)
        changes = request.changes.model_dump(mode="json", exclude_none=True)
        now = self.clock()
        new_addresses = {a: changes[a] for a in ADDRESSES if a in changes}
        values: dict[str, Any] = {
            "edit_request_id": edit_id,
            "customer_id": customer_id,
            "status": "PENDING_VERIFICATION" if new_addresses else "PENDING_REVIEW",
            "changes": seal(data_key, customer_id, f"edit:{edit_id}", json.dumps(changes)),
            "reason": seal(data_key, customer_id, f"edit-reason:{edit_id}", request.reason),
            "attempts": 0,
            "created_at": timestamp(now),
            "updated_at": timestamp(now),
            "code_expires_at": timestamp(now + CODE_LIFETIME),
        }
        indexes = {
            a: self.blind_index.of(a, normalize.email_key(to) if a == "email" else to)
            for a, to in new_addresses.items()
        }
        for address, index in indexes.items():  # sealed: no backup links it to the customer
            values[f"new_{address}_index"] = _sealed_index(
                data_key, customer_id, edit_id, address, index
            )
        # Not filed again if a first attempt filed it: its codes are sent below.
        self.edit_store.add(values, also=[self.customer_store.while_active(customer_id)])
        if new_addresses and self.send_limits.by_caller(customer_id):
            language = profile.get("language")
            self._send_codes(customer_id, edit_id, data_key, language, indexes, new_addresses)
        return {"edit_request_id": edit_id, "status": values["status"]}

    def _send_codes(
        self,
        customer_id: str,
        edit_id: str,
        data_key: bytes,
        language: str | None,
        indexes: dict[str, str],
        new_addresses: dict[str, str],
    ) -> None:
        """A code to each new address, once: claimed with its hash on the request, then sent,
        the claim taken back if the send fails (the retry sends one); none over the address's
        limit (claimed: the request can then only be made again). To another account's address
        it counts as a message others' requests cause, never against that owner's codes."""
        for address, to in new_addresses.items():
            owner = self.customer_store.owner_of(address, indexes[address])
            limits = self.send_limits
            within = limits.to_address if owner in (None, customer_id) else limits.notice_to_address
            code = codes.new_code()
            hashed = codes.code_hash(data_key, f"{edit_id}|{address}", code)
            if not self.edit_store.claim_code(customer_id, edit_id, address, hashed):
                continue  # sent by a first attempt of this request
            try:
                if within(address, indexes[address]):
                    send = self.notifier.email if address == "email" else self.notifier.sms
                    send(to, Kind.CHANGE_CODE, language, code=code, customer_id=customer_id)
                    count("CodesSent", channel=address)
            except BaseException:
                self.edit_store.release_code(customer_id, edit_id, address, hashed)
                raise

    def verify(
        self, customer_id: str, edit_id: str, request_id: str, proof: EditVerification
    ) -> dict[str, Any]:
        """The new addresses proven: to review. The guess is counted before the codes are
        compared, and the move to review is conditional on the codes compared being still the
        request's (``ongpt.storage.code_rounds``). A retry of the request that proved them is
        answered as it was (``ongpt.storage.replays``); any other request then gets 409."""
        proven = {"edit_request_id": edit_id, "status": "PENDING_REVIEW"}
        guess = self.edit_store.take(customer_id, edit_id, MAX_ATTEMPTS, self.clock())
        if guess.refused is Refusal.DECIDED:
            edit = guess.item or {}
            if replayed(edit, request_id, status="PENDING_REVIEW"):
                return proven
            raise Conflict(f"The request is {edit['status']}.")
        if guess.refused is not None:
            raise REFUSALS.error(guess.refused)
        with counted_unless_failed(lambda: self.edit_store.give_back(customer_id, edit_id)):
            edit = guess.item or {}
            new = [a for a in ADDRESSES if f"new_{a}_index" in edit]
            given = {"email": proof.email_code, "phone": proof.phone_code}
            data_key = self.key_store.open({"customer_id": customer_id})
            # A new address whose code was never sent cannot be proven.
            if not codes.all_match(data_key, edit_id, {a: given[a] for a in new}, edit):
                raise InvalidCode(
                    "The codes are not right.", attempts_remaining=guess.remaining(MAX_ATTEMPTS)
                )
            at = timestamp(self.clock())
            self.edit_store.prove(customer_id, edit_id, at, request_id, guess, new)
        return proven

    def withdraw(self, customer_id: str, edit_id: str, request_id: str) -> dict[str, Any]:
        """An open request withdrawn, with its audit entry; 409 once it is not open, but to a
        retry of the request that withdrew it (``ongpt.storage.replays``)."""
        edit = self._own(customer_id, edit_id)
        withdrawn = {"edit_request_id": edit_id, "status": "WITHDRAWN"}
        if replayed(edit, request_id, status="WITHDRAWN"):
            return withdrawn
        if edit["status"] not in OPEN:
            raise Conflict(f"The request is {edit['status']}.")
        withdrawal = self.edit_store.withdrawal(
            customer_id, edit_id, edit["status"], timestamp(self.clock()), request_id
        )
        try:
            self.audit_log.append(
                customer_id,
                actor=customer_id,
                role="customer",
                action="edit_request.withdraw",
                details={"edit_request_id": edit_id},
                along=[withdrawal, self.edit_store.uncounting(customer_id)],
            )
        except TransactionConflict:
            raise Conflict("The request changed meanwhile.") from None
        return withdrawn

    def mine(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        _, data_key = self._profile(customer_id)
        found = self.edit_store.page_of_customer(customer_id, page)
        return found.map(lambda edit: self._view(customer_id, data_key, edit))

    def one(self, customer_id: str, edit_id: str) -> dict[str, Any]:
        edit = self._own(customer_id, edit_id)
        _, data_key = self._profile(customer_id)
        return self._view(customer_id, data_key, edit)

    def _own(self, customer_id: str, edit_id: str) -> dict[str, Any]:
        edit = self.edit_store.get(customer_id, edit_id)
        if edit is None:  # another customer's request is simply not there
            raise NotFound("No such edit request.")
        return edit

    @staticmethod
    def _changes(customer_id: str, data_key: bytes, edit: dict[str, Any]) -> dict[str, Any]:
        eid = edit["edit_request_id"]
        return json.loads(unseal(data_key, customer_id, f"edit:{eid}", edit["changes"]))  # type: ignore[no-any-return]

    def _view(self, customer_id: str, data_key: bytes, edit: dict[str, Any]) -> dict[str, Any]:
        eid = edit["edit_request_id"]
        return {
            "edit_request_id": eid,
            "status": edit["status"],
            "changes": self._changes(customer_id, data_key, edit),
            "reason": unseal(data_key, customer_id, f"edit-reason:{eid}", edit["reason"]),
            "created_at": edit["created_at"],
            "updated_at": edit["updated_at"],
            "note": unseal(data_key, customer_id, f"edit-note:{eid}", edit["note"])
            if "note" in edit
            else None,
        }

    # Staff
    def queue(self, staff: Caller, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the requests awaiting review, oldest first, old and new values masked: the
        page's profiles and keys read in a batch each, and the page answered once each view is
        audited in its customer's chain."""
        found = self.edit_store.pending_review(page)
        customer_ids = [edit["customer_id"] for edit in found.items]
        profiles = self.customer_store.profiles_of(customer_ids)
        if any(c not in profiles for c in customer_ids):
            raise NotFound("No profile.")
        data_keys = self.key_store.open_all("customer_id", customer_ids)
        queued = found.map(
            lambda e: self._queued(e, profiles[e["customer_id"]], data_keys[e["customer_id"]])
        )
        self.audit_log.append_each_by(
            staff,
            [(e["customer_id"], {"edit_request_id": e["edit_request_id"]}) for e in found.items],
            action="edit_request.view",
            purpose="customer_support",
        )
        return queued

    def _queued(
        self, edit: dict[str, Any], profile: dict[str, Any], data_key: bytes
    ) -> dict[str, Any]:
        """A request of the queue as staff see it: its old and new values, masked."""
        customer_id = edit["customer_id"]
        old = {
            f: unseal(data_key, customer_id, f, profile[f]) for f in ("full_name", "email", "phone")
        }
        new = self._changes(customer_id, data_key, edit)
        return {
            "edit_request_id": edit["edit_request_id"],
            "customer_id": customer_id,
            "created_at": edit["created_at"],
            "changes": {
                name: {"old": _mask(name, old.get(name)), "new": _mask(name, value)}
                for name, value in new.items()
            },
        }

    def decide(
        self, staff: Caller, edit_id: str, approve: bool, note: str, request_id: str
    ) -> dict[str, Any]:
        """Approve or reject a request under review; 409 once it is decided, but to a retry of
        the request that decided it (``ongpt.storage.replays``), which is answered as it was
        and, for an approval, finishes what the first attempt may have left undone after its
        transaction (Cognito following the profile)."""
        customer_id = self.edit_store.customer_of(edit_id)
        edit = self.edit_store.get(customer_id, edit_id) if customer_id else None
        if customer_id is None or edit is None:
            raise NotFound("No such edit request.")
        if replayed(edit, request_id, status="APPLIED"):
            self._sign_in_follows(edit)
            return {"edit_request_id": edit_id, "status": "APPLIED"}
        if replayed(edit, request_id, status="REJECTED"):
            return {"edit_request_id": edit_id, "status": "REJECTED"}
        if edit["status"] != "PENDING_REVIEW":
            raise Conflict(f"The request is {edit['status']}.")
        profile, data_key = self._profile(customer_id)
        decided = {
            "decided_by": staff.id,
            "note": seal(data_key, customer_id, f"edit-note:{edit_id}", note),
            **made_by(request_id),
        }
        if approve and self._apply(staff, edit, profile, data_key, decided):
            self._sign_in_follows(edit)
            return {"edit_request_id": edit_id, "status": "APPLIED"}
        rejection = self.edit_store.decision(
            customer_id, edit_id, "REJECTED", timestamp(self.clock()), **decided
        )
        try:
            self._audited(
                staff, edit, approve, [rejection, self.edit_store.uncounting(customer_id)]
            )
        except TransactionConflict:
            raise Conflict("The request changed meanwhile.") from None
        return {"edit_request_id": edit_id, "status": "REJECTED"}

    def _audited(
        self,
        staff: Caller,
        edit: dict[str, Any],
        approve: bool,
        along: list[TransactWriteItemTypeDef],
    ) -> None:
        """The decision's entry, with ``along`` (the change, its notices), in one transaction."""
        self.audit_log.append_by(
            staff,
            edit["customer_id"],
            action=f"edit_request.{'approve' if approve else 'reject'}",
            purpose="customer_support",
            details={"edit_request_id": edit["edit_request_id"]},
            along=along,
        )

    def _apply(
        self,
        staff: Caller,
        edit: dict[str, Any],
        profile: dict[str, Any],
        data_key: bytes,
        decided: dict[str, Any],
    ) -> bool:
        """Every change at once, with its entry and its notices, if the request still awaits
        review and the profile has the addresses read; False when a new address belongs to
        someone else (the request is to be rejected)."""
        customer_id, edit_id = edit["customer_id"], edit["edit_request_id"]
        changes = self._changes(customer_id, data_key, edit)
        old = {a: unseal(data_key, customer_id, a, profile[a]) for a in ADDRESSES}
        new = {a: changes.get(a, old[a]) for a in ADDRESSES}
        sealed = {
            name: seal(
                data_key, customer_id, name, json.dumps(value) if name == "optional" else value
            )
            for name, value in changes.items()
        }
        old_indexes = self.customer_store.addresses(customer_id)
        if old_indexes is None:
            raise NotFound("No profile.")
        applying = self.customer_store.applying(
            customer_id,
            sealed=sealed,
            old_indexes=old_indexes,
            new_indexes={
                a: _opened_index(data_key, edit, a) if f"new_{a}_index" in edit else old_indexes[a]
                for a in ADDRESSES
            },
        )
        applied = self.edit_store.decision(
            customer_id, edit_id, "APPLIED", timestamp(self.clock()), **decided
        )
        notices = _told(edit, profile.get("language"), old, new)
        uncounted = self.edit_store.uncounting(customer_id)
        try:
            self._audited(
                staff,
                edit,
                True,
                [*applying.items, applied, *self.outbox.items(notices), uncounted],
            )
        except TransactionConflict as conflict:
            if applying.clashed(conflict.failed):
                return False
            raise Conflict("The request changed meanwhile.") from None
        return True

    def _sign_in_follows(self, edit: dict[str, Any]) -> None:
        """After an applied change of address: Cognito's sign-in addresses set to the
        profile's, read again (consistently) after each change until they hold still, so that an
        approval's late call never leaves a later one's addresses undone; then every session
        begun with the old addresses ends."""
        if not any(f"new_{a}_index" in edit for a in ADDRESSES):
            return  # no address changed
        customer_id = edit["customer_id"]
        written: dict[str, str] | None = None
        for _ in range(FOLLOW_TRIES):
            current = self._addresses(customer_id)
            if current == written:
                break
            try:
                self.accounts.change_addresses(customer_id, **current)
            except SignInGone:  # correcting the record needs no sign-in: the profile alone
                return
            except AlreadyRegistered:  # another user still holds it in Cognito (their change
                raise DependencyUnavailable(  # or sign-up is on its way): the retry finishes
                    "The sign-in cannot take the new address yet; retry with the same "
                    "Idempotency-Key."
                ) from None
            written = current
        else:
            raise Conflict("The addresses keep changing; try again.")
        with suppress(SignInGone):  # gone meanwhile: nothing left to sign out
            self.accounts.sign_out_everywhere(customer_id)

    def _addresses(self, customer_id: str) -> dict[str, str]:
        """The profile's email and phone, read consistently."""
        profile = self.customer_store.profile(customer_id, consistent=True)
        if profile is None:
            raise NotFound("No profile.")
        data_key = self.key_store.open({"customer_id": customer_id})
        return {a: unseal(data_key, customer_id, a, profile[a]) for a in ADDRESSES}


def _sealed_index(data_key: bytes, customer_id: str, edit_id: str, address: str, index: str) -> str:
    """A new address's blind index, sealed under the customer's key like the change itself: a
    copy of the request outlives erasure in backups, the blind-index key outlives it too."""
    return seal(data_key, customer_id, f"edit-index:{edit_id}:{address}", index)


def _opened_index(data_key: bytes, edit: dict[str, Any], address: str) -> str:
    customer_id, edit_id = edit["customer_id"], edit["edit_request_id"]
    sealed = edit[f"new_{address}_index"]
    return unseal(data_key, customer_id, f"edit-index:{edit_id}:{address}", sealed)


def _told(
    edit: dict[str, Any], language: str | None, old: dict[str, str], new: dict[str, str]
) -> list[Notice]:
    """The notices of an applied change: one to each old and each new address."""
    customer_id, edit_id = edit["customer_id"], edit["edit_request_id"]
    to: list[tuple[Channel, str]] = [
        *(("email", e) for e in sorted({old["email"], new["email"]})),
        *(("sms", p) for p in sorted({old["phone"], new["phone"]})),
    ]
    return [
        Notice(
            about=f"edit:{edit_id}:{number}",
            kind=Kind.PROFILE_CHANGED.value,
            channel=channel,
            to=address,
            language=language,
            values={},
            owner=customer(customer_id),
        )
        for number, (channel, address) in enumerate(to)
    ]


def _mask(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    masks: dict[str, Callable[[str], str]] = {
        "full_name": masking.name,
        "email": masking.email,
        "phone": masking.phone,
    }
    return masks[name](value) if name in masks else "***"
