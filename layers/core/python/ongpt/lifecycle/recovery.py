"""Recovery of a lost password or authenticator app (API.md, Recovery), for a guest who proves both
addresses of an account with codes, as at registration (``ongpt.security.codes``, the rounds of
``ongpt.storage.code_rounds``, ``ongpt.notify.send_limits``).

The request only counts the caller, computes the blind indexes, keeps them with a data key of the
recovery's own and queues the codes: the same calls, answer and time whether or not the addresses
belong to one ``ACTIVE`` account. The ``recovery_codes`` worker looks the pair up and sends a code
to each address of a match; otherwise nothing is sent, and the verification can only fail as a
wrong code does. As at registration, the recovery's id is the request's retry id: a retry after a
fault finds the recovery its first attempt kept and queues its codes again (never a second
recovery), and the worker's claim of each channel's code of a round sends each once. The codes'
hashes derive from the recovery's key (wrapped in its item), not the customer's: so a verification
does the same work, and makes the same AWS calls, whether or not the pair is an account's (it
counts the guess, opens the recovery's key, compares).

Verification decides, then acts (DESIGN.md): the guess is counted before the codes are compared
(``ongpt.storage.code_rounds``: parallel guesses are counted one by one, and after five none is
compared, the right ones included); right codes move the recovery to ``RECOVERED`` by this request,
with what it resets, in one transaction (DESIGN.md, "One shape for every write") with the check
that the account is still ``ACTIVE``, the ``account.recover`` entry in the customer's audit chain
(what was reset, no personal value) and a notice to each address in the outbox. The Cognito changes
(the new password, the authenticator app removed, every session signed out) follow only from that
decision, and a retry of the request (same ``Idempotency-Key``), carrying the password again, makes
them again (each is idempotent); the password is never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ongpt.audit.store import AuditLog
from ongpt.customers.accounts import Accounts
from ongpt.customers.service import Customers
from ongpt.customers.store import CustomerStore
from ongpt.lifecycle.models import (
    Recovered,
    RecoveryAccepted,
    RecoveryCodesMessage,
    RecoveryRequest,
    RecoveryVerification,
)
from ongpt.lifecycle.store import RecoveryStore
from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.notices import BOTH, to_customer
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.business_metrics import count
from ongpt.platform.clock import timestamp as iso
from ongpt.platform.clock import utcnow
from ongpt.platform.errors import Conflict, InvalidCode
from ongpt.registration.service import (
    CODE_LIFETIME,
    MAX_ATTEMPTS,
    check_password,
    codes_expire,
    resend_round,
)
from ongpt.security import codes, normalize
from ongpt.security.crypto import BlindIndex, DataKeys
from ongpt.storage.code_rounds import PENDING, Guess, Refusal, Refusals, counted_unless_failed
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.outbox import Outbox
from ongpt.storage.replays import made_by, replayed

RECOVERY_LIFETIME = timedelta(days=1)
RECOVERED_ACTION = "account.recover"
RECOVERED = "RECOVERED"
REFUSALS = Refusals(
    missing="No such recovery.", locked="Too many wrong codes: start a new recovery."
)


@dataclass
class Recoveries:
    recovery_store: RecoveryStore
    customer_store: CustomerStore
    customers: Customers
    data_keys: DataKeys  # each recovery's own key, kept in its item for its day
    blind_index: BlindIndex
    send_limits: SendLimits
    accounts: Accounts
    outbox: Outbox
    audit_log: AuditLog
    enqueue: Callable[[RecoveryCodesMessage], None]
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    # Start
    def start(self, request: RecoveryRequest, caller_id: str, recovery_id: str) -> RecoveryAccepted:
        """Keep the pair's blind indexes and a data key of the recovery's own as ``recovery_id``
        (the request's retry id) and queue the codes, match or not; over the caller's limit,
        the same answer and nothing kept or sent. A retry finds what its first attempt kept,
        queues its codes again (the worker sends each once) and answers as the first attempt
        did."""
        now = self.clock()
        if not self.send_limits.by_caller(caller_id):
            kept = self.recovery_store.get(recovery_id)  # by a first attempt, if any
            return RecoveryAccepted(recovery_id=recovery_id, expires_at=codes_expire(kept, now))
        _, sealed_key = self.data_keys.new({"recovery_id": recovery_id})
        kept = self.recovery_store.add(
            recovery_id,
            {
                "status": PENDING,
                "dek": sealed_key,
                "email_index": self.blind_index.of("email", normalize.email_key(request.email)),
                "phone_index": self.blind_index.of("phone", request.phone),
                "attempts": 0,
                "round": 0,
                "created_at": iso(now),
                "last_sent_at": iso(now),
                "code_expires_at": iso(now + CODE_LIFETIME),
                "expires_at_epoch": int((now + RECOVERY_LIFETIME).timestamp()),
            },
        )
        self.enqueue(RecoveryCodesMessage(recovery_id=recovery_id, round=0))
        return RecoveryAccepted(recovery_id=recovery_id, expires_at=codes_expire(kept, now))

    # Resend
    def resend(self, recovery_id: str, caller_id: str, request_id: str) -> RecoveryAccepted:
        """A new round of codes (``resend_round``, as at registration)."""
        expires_at = resend_round(
            self.recovery_store,
            recovery_id,
            self._pending(recovery_id),
            request_id,
            now=self.clock(),
            allowed=lambda: self.send_limits.by_caller(caller_id),
            send=lambda round_: self.enqueue(
                RecoveryCodesMessage(recovery_id=recovery_id, round=round_)
            ),
        )
        return RecoveryAccepted(recovery_id=recovery_id, expires_at=expires_at)

    # Verification
    def verify(self, recovery_id: str, request_id: str, request: RecoveryVerification) -> Recovered:
        """The guess counted, then compared, then decided (``_decide``); then the Cognito
        changes. A retry of the request that decided makes them again; any other request then
        gets 409."""
        if request.new_password is not None:
            check_password(request.new_password)
        guess = self.recovery_store.take(recovery_id, MAX_ATTEMPTS, self.clock())
        if guess.refused is None:
            with counted_unless_failed(lambda: self.recovery_store.give_back(recovery_id)):
                customer_id = self._decide(recovery_id, request_id, request, guess)
        elif guess.refused is Refusal.DECIDED:
            record = guess.item or {}
            if not replayed(record, request_id, status=RECOVERED, **_resets(request)):
                raise Conflict("This recovery is already complete.")
            customer_id = record["customer_id"]
        else:
            raise REFUSALS.error(guess.refused)
        if request.new_password is not None:
            self.accounts.set_password(customer_id, request.new_password)
        if request.reset_mfa:
            self.accounts.remove_authenticator(customer_id)
        self.accounts.sign_out_everywhere(customer_id)
        return Recovered()

    def _decide(
        self, recovery_id: str, request_id: str, request: RecoveryVerification, guess: Guess
    ) -> str:
        """The codes a counted ``guess`` read, compared under the recovery's key (a pair that is
        no account's has no codes: it fails as a wrong code does, after the same work); if both
        are right, the decision: the recovery ``RECOVERED`` by this request while the account is
        ``ACTIVE``, its audit entry and a notice to each address, in one transaction. The
        customer's id."""
        record = guess.item or {}
        data_key = self.data_keys.open(record["dek"], {"recovery_id": recovery_id})
        given = {"email": request.email_code, "phone": request.phone_code}
        if not codes.all_match(data_key, recovery_id, given, record):
            raise InvalidCode(
                "The codes are not right.", attempts_remaining=guess.remaining(MAX_ATTEMPTS)
            )
        customer_id = str(record["customer_id"])
        contact = self.customers.contact(customer_id)
        notices = (
            to_customer(contact, f"recovery:{recovery_id}", Kind.ACCOUNT_RECOVERED, BOTH)
            if contact
            else []
        )
        decided = {"completed_at": iso(self.clock()), **made_by(request_id), **_resets(request)}
        decision = self.recovery_store.decision(recovery_id, guess, RECOVERED, decided)
        try:
            self.audit_log.append(
                customer_id,
                actor=customer_id,
                role="customer",
                action=RECOVERED_ACTION,
                details={
                    "recovery_id": recovery_id,
                    "new_password": request.new_password is not None,
                    "reset_mfa": request.reset_mfa,
                },
                along=[
                    decision,
                    self.customer_store.while_active(customer_id),
                    *self.outbox.items(notices),
                ],
            )
        except TransactionConflict as conflict:
            if conflict.failed == (1,):
                raise Conflict("The account is no longer active.") from None
            raise Conflict("This recovery changed meanwhile.") from None  # decided by another
        return customer_id

    # Helpers
    def _pending(self, recovery_id: str) -> dict[str, Any]:
        record = self.recovery_store.get(recovery_id)
        if record is None:
            raise REFUSALS.error(Refusal.MISSING)
        if record["status"] != PENDING:
            raise Conflict("This recovery is already complete.")
        if record["attempts"] >= MAX_ATTEMPTS:
            raise REFUSALS.error(Refusal.LOCKED)
        return record


def _resets(request: RecoveryVerification) -> dict[str, bool]:
    """What a verification resets, as its decision records it."""
    return {"reset_password": request.new_password is not None, "reset_mfa": request.reset_mfa}


@dataclass
class RecoveryCodes:
    """The ``recovery_codes`` worker's part."""

    recovery_store: RecoveryStore
    customer_store: CustomerStore
    customers: Customers
    data_keys: DataKeys
    notifier: Notifier
    send_limits: SendLimits

    # The codes (the recovery_codes worker)
    def deliver(self, recovery_id: str, round_: int) -> None:
        """For a pair that is one ``ACTIVE`` account's, each channel's code of this round once:
        claimed with its hash, sent, released if the send fails. Otherwise nothing."""
        record = self.recovery_store.get(recovery_id)
        if record is None or record["status"] != PENDING:
            return
        customer_id = self._owner(record)
        if customer_id is None:
            return
        if record.get("customer_id") != customer_id:
            self.recovery_store.update(recovery_id, {"customer_id": customer_id})
        contact = self.customers.contact(customer_id)
        if contact is None:
            return
        data_key = self.data_keys.open(record["dek"], {"recovery_id": recovery_id})
        for channel, address in (("email", contact.email), ("phone", contact.phone)):
            code = codes.new_code()
            hashed = codes.code_hash(data_key, f"{recovery_id}|{channel}", code)
            if not self.recovery_store.claim_code(recovery_id, channel, round_, hashed):
                continue  # sent in this round already, or a newer round was asked for
            try:
                if self.send_limits.to_address(channel, record[f"{channel}_index"]):
                    send = self.notifier.email if channel == "email" else self.notifier.sms
                    send(address, Kind.RECOVERY_CODE, contact.language, code=code)
                    count("CodesSent", channel=channel)
            except BaseException:
                self.recovery_store.release_code(recovery_id, channel, round_)
                raise

    def _owner(self, record: dict[str, Any]) -> str | None:
        """The customer both addresses belong to, if the account is ``ACTIVE``."""
        owner = self.customer_store.owner_of("email", record["email_index"])
        if owner is None or self.customer_store.owner_of("phone", record["phone_index"]) != owner:
            return None
        profile = self.customer_store.profile(owner)
        return owner if profile is not None and profile["status"] == "ACTIVE" else None
