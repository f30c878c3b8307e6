"""Recovery of a lost password or authenticator app (API.md, Recovery), for a guest who proves
both addresses of an account with codes, as at registration (``ongpt.security.codes``, the
rounds of ``ongpt.storage.code_rounds``, ``ongpt.notify.send_limits``).

The request only counts the caller, computes the blind indexes, keeps them and queues the
codes: the same calls, answer and time whether or not the addresses belong to one ``ACTIVE``
account. The ``recovery_codes`` worker looks the pair up and sends a code to each address of a
match; otherwise nothing is sent, and the verification can only fail as a wrong code does. As at
registration, the recovery's id is the request's retry id: a retry after a fault finds the
recovery its first attempt kept and queues its codes again (never a second recovery), and the
worker's claim of each channel's code of a round sends each once.
Verification sets the new password (same policy) and/or removes the authenticator app (SMS MFA
preferred), signs the customer out everywhere, then in one transaction (DESIGN.md, "One shape for
every write") completes the recovery, appends ``account.recover`` to the customer's audit chain
(what was reset, no personal value) and puts a notice to each address into the outbox (the
delivery worker sends them). The Cognito changes come first and are idempotent: a retry after a
failed transaction makes them again and commits; a retry after a committed one finds it done. An
account whose sign-in is gone cannot be recovered: 409 (``SignInGone``), nothing recorded.
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
from ongpt.platform.errors import Conflict, Expired, InvalidCode, NotFound, TooManyAttempts
from ongpt.registration.service import (
    CODE_LIFETIME,
    MAX_ATTEMPTS,
    check_password,
    codes_expire,
    resend_round,
)
from ongpt.security import codes, normalize
from ongpt.security.crypto import BlindIndex
from ongpt.storage.code_rounds import PENDING
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyGone, KeyStore
from ongpt.storage.outbox import Outbox

RECOVERY_LIFETIME = timedelta(days=1)
RECOVERED_ACTION = "account.recover"
CHANNELS = ("email", "phone")


@dataclass
class Recoveries:
    recovery_store: RecoveryStore
    customer_store: CustomerStore
    customers: Customers
    key_store: KeyStore
    blind_index: BlindIndex
    send_limits: SendLimits
    accounts: Accounts
    outbox: Outbox
    audit_log: AuditLog
    enqueue: Callable[[RecoveryCodesMessage], None]
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def _data_key(self, customer_id: str) -> bytes:
        return customer_key(self.key_store, customer_id)

    # Start
    def start(self, request: RecoveryRequest, caller_id: str, recovery_id: str) -> RecoveryAccepted:
        """Keep the pair's blind indexes as ``recovery_id`` (the request's retry id) and queue
        the codes, match or not; over the caller's limit, the same answer and nothing kept or
        sent. A retry finds what its first attempt kept, queues its codes again (the worker
        sends each once) and answers as the first attempt did."""
        now = self.clock()
        if not self.send_limits.by_caller(caller_id):
            kept = self.recovery_store.get(recovery_id)  # by a first attempt, if any
            return RecoveryAccepted(recovery_id=recovery_id, expires_at=codes_expire(kept, now))
        kept = self.recovery_store.add(
            recovery_id,
            {
                "status": PENDING,
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
    def verify(self, recovery_id: str, request: RecoveryVerification) -> Recovered:
        record = self.recovery_store.get(recovery_id)
        if record is None:
            raise NotFound("No such recovery.")
        if record["status"] == "RECOVERED" and self._codes_match(recovery_id, record, request):
            return Recovered()  # a retry: its change, entry and notices were committed together
        record = self._pending(recovery_id)
        if self.clock() > datetime.fromisoformat(record["code_expires_at"]):
            raise Expired("The codes have expired; ask for new ones.")
        if not self._codes_match(recovery_id, record, request):
            # No match (or no codes yet) fails as a wrong code does: the same answer.
            attempts = self.recovery_store.count_failure(recovery_id, MAX_ATTEMPTS)
            raise InvalidCode(
                "The codes are not right.", attempts_remaining=max(0, MAX_ATTEMPTS - attempts)
            )
        if request.new_password is not None:
            check_password(request.new_password)
        customer_id = record["customer_id"]
        profile = self.customer_store.profile(customer_id)
        if profile is None or profile["status"] != "ACTIVE":
            raise Conflict("The account is no longer active.")
        if request.new_password is not None:
            self.accounts.set_password(customer_id, request.new_password)
        if request.reset_mfa:
            self.accounts.remove_authenticator(customer_id)
        self.accounts.sign_out_everywhere(customer_id)
        self._complete(recovery_id, customer_id, request)
        return Recovered()

    def _complete(self, recovery_id: str, customer_id: str, request: RecoveryVerification) -> None:
        """The recovery ``RECOVERED``, its entry in the customer's audit chain and a notice to
        each address, in one transaction; ``TooManyAttempts`` if it was locked (or completed)
        meanwhile."""
        contact = self.customers.contact(customer_id)
        notices = (
            to_customer(contact, f"recovery:{recovery_id}", Kind.ACCOUNT_RECOVERED, BOTH)
            if contact
            else []
        )
        completion = self.recovery_store.finish(
            recovery_id, "RECOVERED", iso(self.clock()), MAX_ATTEMPTS
        )
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
                along=[completion, *self.outbox.items(notices)],
            )
        except TransactionConflict:
            raise TooManyAttempts("Too many wrong codes: start a new recovery.") from None

    def _codes_match(
        self, recovery_id: str, record: dict[str, Any], request: RecoveryVerification
    ) -> bool:
        if not all(k in record for k in ("customer_id", "email_code", "phone_code")):
            return False
        data_key = self._data_key(record["customer_id"])
        return codes.matches(
            data_key, f"{recovery_id}|email", request.email_code, record["email_code"]
        ) & codes.matches(
            data_key, f"{recovery_id}|phone", request.phone_code, record["phone_code"]
        )

    # Helpers
    def _pending(self, recovery_id: str) -> dict[str, Any]:
        record = self.recovery_store.get(recovery_id)
        if record is None:
            raise NotFound("No such recovery.")
        if record["status"] != PENDING:
            raise Conflict("This recovery is already complete.")
        if record["attempts"] >= MAX_ATTEMPTS:
            raise TooManyAttempts("Too many wrong codes: start a new recovery.")
        return record


def customer_key(key_store: KeyStore, customer_id: str) -> bytes:
    """The customer's data key, opened: the codes' hash key derives from it."""
    try:
        return key_store.open({"customer_id": customer_id})
    except KeyGone:
        raise NotFound("No such customer.") from None


@dataclass
class RecoveryCodes:
    """The ``recovery_codes`` worker's part."""

    recovery_store: RecoveryStore
    customer_store: CustomerStore
    customers: Customers
    key_store: KeyStore
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
        data_key = customer_key(self.key_store, customer_id)
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
