"""Registration (P1.1, P1.2, P2.1, P3.1): sign-up, proof of email and phone, the account.

Start keeps the request sealed under a data key of the registration and queues it; a worker
computes the blind indexes and sends a code to each address, or, to an address that already has
an account, a notice to its owner instead. The reply is the same either way, and so is its time
(no account enumeration). The registration's id is the request's retry id (``Api.retry_id``, the
same for every retry with the same ``Idempotency-Key``), so a retry after a fault (the queue
refused the message, or the idempotency record's completion failed) finds the registration its
first attempt kept, queues its codes again and answers as the first attempt did, instead of
starting a second one; the worker claims each channel's code of a round on the registration
before it sends (``ongpt.storage.code_rounds``), so a message queued or delivered twice sends
each code once. Nothing is sent over a caller's or an address's limit
(``ongpt.notify.send_limits``), with the same reply.

Verification decides, then acts (DESIGN.md): the guess is counted before the codes are compared
(``ongpt.storage.code_rounds``: parallel guesses are counted one by one, and after five none is
compared, the right ones included), and right codes move the registration to ``VERIFIED`` by this
request in one conditional write. Only then is the Cognito user created and, in one transaction, the
profile sealed under the customer's own data key, the address guards, the consents, the first entry
of the customer's audit chain (``registration.complete``: the consents given, no personal value),
the registration ``COMPLETED`` and one more on the counts of active customers (and of those who
consent to product updates: ``CustomerStore.counting``). If either fails, the user is removed and
the decision taken back (pending again, the guess given back): nothing is left half-made. After a
crash in between, a retry of the request that decided (same ``Idempotency-Key``) finishes.
Completion sends no notice (the customer has just proven both addresses), so it puts nothing into
the outbox.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ongpt.audit.store import AuditLog
from ongpt.consents import policy
from ongpt.consents.store import consent_records
from ongpt.customers.accounts import Accounts
from ongpt.customers.models import SEALED_FIELDS
from ongpt.customers.store import CustomerStore, active_shard
from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.send_limits import SendLimits
from ongpt.platform.business_metrics import count
from ongpt.platform.clock import timestamp as iso
from ongpt.platform.clock import utcnow
from ongpt.platform.errors import (
    AlreadyRegistered,
    Conflict,
    InvalidCode,
    PolicyVersionMismatch,
    TooSoon,
    WeakPassword,
)
from ongpt.registration.models import (
    CodesMessage,
    CustomerCreated,
    RegistrationAccepted,
    RegistrationRequest,
    VerificationRequest,
)
from ongpt.registration.store import COMPLETED, VERIFIED, RegistrationStore
from ongpt.security import codes, normalize
from ongpt.security.crypto import BlindIndex, DataKeys, seal, unseal
from ongpt.storage.code_rounds import (
    PENDING,
    CodeRounds,
    Guess,
    Refusal,
    Refusals,
    counted_unless_failed,
)
from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.key_store import KeyStore
from ongpt.storage.replays import made_by, replayed

CODE_LIFETIME = timedelta(minutes=10)
REGISTRATION_LIFETIME = timedelta(days=1)
RESEND_AFTER = timedelta(seconds=60)
# A sign-in left by a crashed attempt is taken over only once it is this old, never while a
# concurrent verification of the same address may still be writing its profile.
TAKEOVER_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 5
REFUSALS = Refusals(missing="No such registration.", locked="Too many wrong codes: register again.")
PASSWORD_RULES = (
    (r".{12,}", "at least 12 characters"),
    (r"[a-z]", "a lower-case letter"),
    (r"[A-Z]", "an upper-case letter"),
    (r"\d", "a digit"),
    (r"[^A-Za-z0-9]", "a symbol"),
)
COMPLETED_ACTION = "registration.complete"


def codes_expire(started: dict[str, Any] | None, now: datetime) -> str:
    """When the first codes of a start expire: ``CODE_LIFETIME`` after the start kept as
    ``started`` (by a first attempt, for a retry, whose answer is the first attempt's), or after
    ``now`` if none was kept."""
    since = now if started is None else datetime.fromisoformat(started["created_at"])
    return iso(since + CODE_LIFETIME)


def resend_round(
    store: CodeRounds,
    item_id: str,
    record: dict[str, Any],
    request_id: str,
    *,
    now: datetime,
    allowed: Callable[[], bool],
    send: Callable[[int], None],
) -> str:
    """A new round of codes for the pending ``record`` kept as ``item_id`` in ``store`` (a
    registration or a recovery), its
    message ``send`` with the round's number: when its codes expire, the answer's
    ``expires_at``. A retry of the request that started the current round is answered as it was
    (``ongpt.storage.replays``); within ``RESEND_AFTER`` of the last round, ``TooSoon``; over
    the caller's limit (``allowed`` says no), the same answer and nothing kept or sent."""
    if replayed(record, request_id):
        return str(record["code_expires_at"])
    if now < datetime.fromisoformat(record["last_sent_at"]) + RESEND_AFTER:
        raise TooSoon("A new code can be sent 60 seconds after the last one.")
    round_, expires_at = int(record.get("round", 0)) + 1, iso(now + CODE_LIFETIME)
    if not allowed():
        return expires_at
    changes = {
        "round": round_,
        "last_sent_at": iso(now),
        "code_expires_at": expires_at,
        **made_by(request_id),
    }
    if not store.new_round(item_id, record, changes, lambda: send(round_)):
        raise TooSoon("A new code was just sent.")
    return expires_at


def check_password(password: str) -> None:
    """The user pool's password policy, checked before anything is created."""
    missing = [rule for pattern, rule in PASSWORD_RULES if not re.search(pattern, password)]
    if missing:
        raise WeakPassword("The password needs " + ", ".join(missing) + ".")


@dataclass
class Registrations:
    registration_store: RegistrationStore
    customer_store: CustomerStore
    accounts: Accounts
    data_keys: DataKeys  # the registration's own key, kept in its item for its day
    key_store: KeyStore  # the customer's key, kept apart so that erasure can destroy it
    blind_index: BlindIndex
    notifier: Notifier
    send_limits: SendLimits
    audit_log: AuditLog
    enqueue: Callable[[CodesMessage], None]
    clock: Callable[[], datetime] = field(default=lambda: utcnow())  # late-bound: tests move it

    # Start
    def start(
        self, request: RegistrationRequest, caller_id: str, registration_id: str
    ) -> RegistrationAccepted:
        """Seal and keep the request as ``registration_id`` (the request's retry id), and queue
        its codes: the same answer, in the same time, whether or not an address already has an
        account; over the caller's limit, the same answer and nothing kept or sent. A retry
        finds what its first attempt kept, queues its codes again (the worker sends each once)
        and answers as the first attempt did."""
        versions = (request.consents.privacy_policy, request.consents.terms)
        if versions != (policy.PRIVACY_POLICY_VERSION, policy.TERMS_VERSION):
            raise PolicyVersionMismatch(
                f"Accept the policy in force: privacy policy {policy.PRIVACY_POLICY_VERSION}, "
                f"terms {policy.TERMS_VERSION}."
            )
        now = self.clock()
        if not self.send_limits.by_caller(caller_id):
            kept = self.registration_store.get(registration_id)  # by a first attempt, if any
            return RegistrationAccepted(
                registration_id=registration_id, expires_at=codes_expire(kept, now)
            )
        data_key, sealed_key = self.data_keys.new({"registration_id": registration_id})
        values = {
            "full_name": request.full_name,
            "email": request.email,
            "phone": request.phone,
            "optional": request.optional.model_dump_json(exclude_none=True),
        }
        kept = self.registration_store.add(
            registration_id,
            {
                **{f: seal(data_key, registration_id, f, values[f]) for f in SEALED_FIELDS},
                "status": "PENDING_VERIFICATION",
                "dek": sealed_key,
                "attempts": 0,
                "round": 0,
                "language": request.optional.preferred_language,
                "consents": request.consents.model_dump(),
                "created_at": iso(now),
                "last_sent_at": iso(now),
                "code_expires_at": iso(now + CODE_LIFETIME),
                "expires_at_epoch": int((now + REGISTRATION_LIFETIME).timestamp()),
            },
        )
        # If queueing fails the client gets a 503 and retries with the same key: the retry finds
        # this registration and queues its codes.
        self.enqueue(CodesMessage(registration_id=registration_id, round=0, notices=True))
        return RegistrationAccepted(
            registration_id=registration_id, expires_at=codes_expire(kept, now)
        )

    # The codes (the registration_codes worker)
    def deliver_codes(self, registration_id: str, round_: int, notices: bool) -> None:
        """Each channel's code of this round, once: claimed with its hash, sent, released if the
        send fails (the retried message sends it). A taken address gets the hash of a code
        nobody knows, and at sign-up (``notices``) a notice to its owner instead of a code."""
        record = self.registration_store.get(registration_id)
        if record is None or record["status"] != "PENDING_VERIFICATION":
            return
        data_key = self._data_key(registration_id, record)
        opened = self._open(data_key, registration_id, record)
        if "email_index" not in record:
            record.update(self._find_owners(registration_id, opened))
        for channel, address in (("email", opened["email"]), ("phone", opened["phone"])):
            taken = bool(record[f"{channel}_taken"])
            code = codes.new_code()
            purpose = f"{registration_id}|{channel}"
            hashed = (
                codes.unguessable_hash(data_key, purpose)
                if taken
                else codes.code_hash(data_key, purpose, code)
            )
            if not self.registration_store.claim_code(registration_id, channel, round_, hashed):
                continue  # sent in this round already, or a newer round was asked for
            try:
                self._send(channel, address, record, code, notices)
            except BaseException:
                self.registration_store.release_code(registration_id, channel, round_)
                raise

    def _find_owners(self, registration_id: str, opened: dict[str, str]) -> dict[str, Any]:
        """The blind indexes of the addresses and whether an account already has each."""
        email_index = self.blind_index.of("email", normalize.email_key(opened["email"]))
        phone_index = self.blind_index.of("phone", opened["phone"])
        email_taken, phone_taken = self.customer_store.taken(email_index, phone_index)
        found = {
            "email_index": email_index,
            "phone_index": phone_index,
            "email_taken": email_taken,
            "phone_taken": phone_taken,
        }
        self.registration_store.update(registration_id, found)
        return found

    def _send(
        self, channel: str, address: str, record: dict[str, Any], code: str, notices: bool
    ) -> None:
        """The code, or to a taken address at sign-up the notice; nothing over the address's
        limit (a notice's own: a stranger's sign-ups never use up the owner's codes)."""
        taken, language = bool(record[f"{channel}_taken"]), record.get("language")
        if taken and not notices:
            return
        within = self.send_limits.notice_to_address if taken else self.send_limits.to_address
        if not within(channel, record[f"{channel}_index"]):
            return
        send = self.notifier.email if channel == "email" else self.notifier.sms
        if taken:
            send(address, Kind.ACCOUNT_EXISTS, language)
        else:
            send(address, Kind.REGISTRATION_CODE, language, code=code)
            count("CodesSent", channel=channel)

    # Resend
    def resend(self, registration_id: str, caller_id: str, request_id: str) -> RegistrationAccepted:
        """A new round of codes (``resend_round``)."""
        expires_at = resend_round(
            self.registration_store,
            registration_id,
            self._pending(registration_id),
            request_id,
            now=self.clock(),
            allowed=lambda: self.send_limits.by_caller(caller_id),
            send=lambda round_: self.enqueue(
                CodesMessage(registration_id=registration_id, round=round_, notices=False)
            ),
        )
        return RegistrationAccepted(registration_id=registration_id, expires_at=expires_at)

    # Verification
    def verify(
        self, registration_id: str, request_id: str, request: VerificationRequest
    ) -> CustomerCreated:
        """The account, once both codes are right. The guess is counted before the codes are
        compared; right codes move the registration to ``VERIFIED`` by this request, and only
        then are the sign-in and the customer made (``_create``). A retry of this request
        (``ongpt.storage.replays``) finishes what it decided, or is answered as it was; any
        other request then gets 409."""
        check_password(request.password)
        guess = self.registration_store.take(registration_id, MAX_ATTEMPTS, self.clock())
        if guess.refused is None:
            with counted_unless_failed(lambda: self.registration_store.give_back(registration_id)):
                record = self._decide(registration_id, request_id, request, guess)
        else:
            record = _decided_by(guess, request_id)
            if record["status"] == COMPLETED:
                return CustomerCreated(customer_id=record["customer_id"])
        customer_id = self._create(registration_id, request_id, record, request.password)
        return CustomerCreated(customer_id=customer_id)

    def _decide(
        self, registration_id: str, request_id: str, request: VerificationRequest, guess: Guess
    ) -> dict[str, Any]:
        """The codes a counted ``guess`` read, compared; if both are right, the registration
        ``VERIFIED`` by this request (one conditional write), as it now is."""
        record = dict(guess.item or {})
        data_key = self._data_key(registration_id, record)
        given = {"email": request.email_code, "phone": request.phone_code}
        if not codes.all_match(data_key, registration_id, given, record):
            raise InvalidCode(
                "The codes are not right.", attempts_remaining=guess.remaining(MAX_ATTEMPTS)
            )
        decided = {"verified_at": iso(self.clock()), **made_by(request_id)}
        if not self.registration_store.decide(registration_id, guess, VERIFIED, decided):
            raise Conflict("The registration changed meanwhile.")  # verified by another request
        return {**record, **decided, "status": VERIFIED}

    def _create(
        self, registration_id: str, request_id: str, record: dict[str, Any], password: str
    ) -> str:
        """The sign-in, then the customer, from the registration ``record`` this request
        verified; the customer's id. If either fails, the sign-in made is removed and the
        decision taken back (pending again, its guess given back): nothing is left half-made."""
        opened = self._open(self._data_key(registration_id, record), registration_id, record)
        customer_id = None
        try:
            customer_id = self._claim_sign_in(registration_id, opened, record, password)
            self._create_customer(customer_id, registration_id, request_id, opened, record)
        except BaseException:
            try:  # unless a concurrent verification of the address completed with it
                if customer_id is not None and customer_id != self.customer_store.owner_of(
                    "email", record["email_index"]
                ):
                    self.accounts.delete(opened["email"])
            finally:
                self.registration_store.take_back(registration_id, VERIFIED, request_id)
            raise
        return customer_id

    def _claim_sign_in(
        self, registration_id: str, opened: dict[str, str], record: dict[str, Any], password: str
    ) -> str:
        """The new Cognito user's sub (or that of the one this registration made before). A user
        left by another registration's attempt that died before its profile was written (no
        guard names it) belongs to this proven address: it is taken over."""
        try:
            return self.accounts.create(opened["email"], opened["phone"], password, registration_id)
        except AlreadyRegistered:
            left = self.accounts.find(opened["email"])
            if (
                left is None
                or left["phone_number"] != opened["phone"]
                or self.clock() - left["created_at"] < TAKEOVER_AFTER
                or self.customer_store.owner_of("email", record["email_index"]) is not None
            ):
                raise
            self.accounts.set_password(str(left["sub"]), password)
            return str(left["sub"])

    def _create_customer(
        self,
        customer_id: str,
        registration_id: str,
        request_id: str,
        opened: dict[str, str],
        record: dict[str, Any],
    ) -> None:
        data_key, key_item = self.key_store.new({"customer_id": customer_id})
        now = iso(self.clock())
        profile = {
            **{f: seal(data_key, customer_id, f, opened[f]) for f in SEALED_FIELDS},
            "status": "ACTIVE",
            "status_key": active_shard(customer_id),
            "language": record.get("language"),
            "created_at": now,
            "updated_at": now,
        }
        guards = {"email": record["email_index"], "phone": record["phone_index"]}
        customer = self.customer_store.creating(
            customer_id, profile, guards, consent_records(record["consents"], now)
        )
        completion = self.registration_store.completion(
            registration_id, request_id, {"customer_id": customer_id, "completed_at": now}
        )
        consenting = int(bool(record["consents"]["product_updates"]))
        counted = self.customer_store.counting(customer_id, active=1, product_updates=consenting)
        try:
            self.audit_log.append(
                customer_id,
                actor=customer_id,
                role="customer",
                action=COMPLETED_ACTION,
                details={"registration_id": registration_id, "consents": record["consents"]},
                along=[*customer, key_item, completion, counted],
            )
        except TransactionConflict as conflict:
            if min(conflict.failed) < len(guards):
                raise AlreadyRegistered(
                    "The email address or phone number is already registered."
                ) from None
            raise Conflict("The registration changed meanwhile.") from None

    # Helpers
    def _pending(self, registration_id: str) -> dict[str, Any]:
        """The registration, if it may still be verified."""
        record = self.registration_store.get(registration_id)
        if record is None:
            raise REFUSALS.error(Refusal.MISSING)
        if record["status"] != PENDING:
            raise AlreadyRegistered("This registration is already verified.")
        if record["attempts"] >= MAX_ATTEMPTS:
            raise REFUSALS.error(Refusal.LOCKED)
        return record

    def _data_key(self, registration_id: str, record: dict[str, Any]) -> bytes:
        return self.data_keys.open(record["dek"], {"registration_id": registration_id})

    @staticmethod
    def _open(data_key: bytes, owner: str, record: dict[str, Any]) -> dict[str, str]:
        return {f: unseal(data_key, owner, f, record[f]) for f in SEALED_FIELDS}


def _decided_by(guess: Guess, request_id: str) -> dict[str, Any]:
    """A refused guess's registration, if this request decided it (a retry: to finish, or to
    answer as it was); otherwise its error."""
    record = guess.item
    if guess.refused is not Refusal.DECIDED or record is None:
        raise REFUSALS.error(guess.refused or Refusal.MISSING)
    if replayed(record, request_id):
        return record
    if record["status"] == COMPLETED:
        raise AlreadyRegistered("This registration is already complete.")
    raise Conflict("The registration is being completed by another request.")
