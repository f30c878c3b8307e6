"""The chaos tier (issue 26): the journeys through the local runtime while its moto answers as
AWS does on a bad day (``local/chaos.py``: unprocessed batch keys, short pages, stale index and
eventually consistent reads, throttles, slow transactions that conflict), with many clients at
once. Each client registers, signs in, goes through its journeys (``JOURNEYS``: an announcement
it posts, an email change that Support approves, a contract renewed and the expiry-reminders
job's invitation, a recovery with a code by email and one by SMS, consents, a disclosure bound to
consent, a complaint that Support resolves) and closes; then the erasure job erases its account
past its grace period. Meanwhile all of them change one shared customer's consents while Support
reads it.

Every answer is 2xx, 409 ``CONFLICT`` (tried again with a new ``Idempotency-Key``, as API.md
v1.2 says), 503 ``SERVICE_UNAVAILABLE`` or API Gateway's 429 (both tried again, the same key):
never another 5xx, and every retry succeeds in the end. Afterwards nothing is half-written (each
answered change is in its customer's valid chain, once; the erased keep nothing that opens),
each notice went once (an announcement exactly once to each customer active and consenting all
through its fan-out, whatever order the clients ran in, at most once to the others), and the
counts are exact (the active and consenting counters too). ``make test`` runs a short round,
the journeys spread over its clients; ``make chaos`` the long one (``CHAOS_*`` variables), every
client through every journey, which prints its figures and writes them into
``docs/benchmarks.md``.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from botocore.exceptions import ClientError

from local.chaos import parse
from local.client import LocalClient, SignedSession
from ongpt.customers.store import CustomerStore
from ongpt.notify.delivery import Kind, template
from ongpt.platform.clock import timestamp
from tests.bench.results import Row, this_machine, write
from tests.support.erasure import dumped, every_item, keys_that_open
from tests.support.pages import every_page, signed
from tests.support.runtime import aws_client, chaos_mode, run_job
from tests.support.signed import (
    cognito_user_exists,
    contract_for,
    email_change,
    latest_code,
    register,
    sign_in,
    signed_in_again,
    staff,
)

T = TypeVar("T")
SETTINGS = os.environ.get(
    "CHAOS_SETTINGS", "unprocessed=0.2,short_pages=0.3,stale_ms=200,throttle=0.03,tx_latency_ms=30"
)
CLIENTS = int(os.environ.get("CHAOS_CLIENTS", "4"))  # make test's short round; make chaos: 8
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "1"))
EVERY_JOURNEY = os.environ.get("CHAOS_EVERY_JOURNEY") == "1"  # make chaos; else spread out
REPORT = os.environ.get("CHAOS_REPORT")  # the document the long run writes its figures into
# What a client goes through between its sign-in and its closure, in this order; the erasure
# comes after the closure. With CHAOS_EVERY_JOURNEY=1 each client goes through all of them; else
# client n of a round through every CLIENTS-th from the n-th.
JOURNEYS = (
    "announcement",  # first: its fan-out runs while the others go on
    "edit",
    "contract",
    "recovery",
    "consents",  # spread out, each of the short round's clients has a long and a short one
    "disclosure",
    "complaint",
    "erasure",
)
# The figures' rows, by journey: the requests of each, the shared customer's apart.
FIGURES = ("registration", *JOURNEYS[:-1], "closure", "erasure", "shared customer")
FIGHTS = 2  # changes and reads of the shared customer before and after each client's journeys
TRIES = 8  # per request: a documented 503, 429 or 409 is tried again, this often at most
RETRIED = {503: "SERVICE_UNAVAILABLE", 409: "CONFLICT", 429: None}  # None: API Gateway's own
# An index read misses the writes of the last stale_ms (local/chaos.py); a job that finds its
# work through an index (the contracts due, the accounts closing) runs this much after them, as
# the daily jobs run long after the writes they act on.
STALE = parse(SETTINGS).stale_ms / 1000
WAIT = 120.0  # seconds, at most, for a fan-out to be done or a notice to arrive
FIRST_EXPIRY = datetime(2045, 1, 1, 12, 0, tzinfo=UTC)  # no other test's contract is due near it
NEW_PASSWORD = "another-Horse-battery-7"
PARTNER = "chaos-partner"  # the recipient of the disclosures, consented to for each
# The audit actions the journeys decide: each in the chain once per answered request.
DECIDED = {
    "registration.complete",
    "consent.grant",
    "consent.withdraw",
    "edit_request.approve",
    "contract.create",
    "contract.renew",
    "disclosure.record",
    "complaint.in_progress",
    "complaint.resolved",
    "account.recover",
    "account.close",
    "customer.erased",
}
START = "<!-- chaos:results:start (written by make chaos; do not edit) -->"
END = "<!-- chaos:results:end -->"


@dataclass
class Tally:
    """The answers of one journey's requests."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0


@dataclass
class Figures:
    """What the clients met, by journey, across threads."""

    journeys: defaultdict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, journey: str, status: int, seconds: float, retried: bool) -> None:
        with self.lock:
            tally = self.journeys[journey]
            tally.seconds.append(seconds)
            tally.statuses[status] += 1
            tally.retries += retried

    def total(self) -> Tally:
        every = Tally()
        for tally in self.journeys.values():
            every.seconds += tally.seconds
            every.statuses += tally.statuses
            every.retries += tally.retries
        return every


@dataclass
class Careful(SignedSession):
    """A session whose requests are made as a careful client makes them, counted under its
    journey: a documented 503 or 429 tried again with the same ``Idempotency-Key``, a 409
    ``CONFLICT`` with a new one; anything else is the answer."""

    figures: Figures
    journey: str

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        key = str(uuid.uuid4())
        for _ in range(TRIES):
            keyed = {**(headers or {}), **({"Idempotency-Key": key} if method == "POST" else {})}
            began = time.monotonic()
            answer = super().request(method, path, json_body=json_body, headers=keyed)
            status = answer.status_code
            retried = status in RETRIED and _code(answer) == RETRIED[status]
            self.figures.answered(self.journey, status, time.monotonic() - began, retried)
            assert status < 500 or retried, f"{method} {path}: {status} {answer.text}"
            if not retried:
                return answer
            key = str(uuid.uuid4()) if status == 409 else key
            time.sleep(0.2)
        raise AssertionError(f"{method} {path}: still {answer.status_code} after {TRIES} tries")


def _code(answer: requests.Response) -> str | None:
    error = answer.json().get("error") if answer.content else None
    return error.get("code") if isinstance(error, dict) else None


def _unthrottled(call: Callable[[], T]) -> T:
    """``call`` (to the user pool), made again from the start while Cognito answers it
    throttled."""
    for _ in range(TRIES):
        try:
            return call()
        except ClientError as error:
            if error.response["Error"]["Code"] != "TooManyRequestsException":
                raise
            time.sleep(0.2)
    raise AssertionError("the user pool still throttles")


@dataclass(frozen=True)
class Posted:
    """An announcement as its poster sent it: its title, and when (``time.monotonic``)."""

    title: str
    sent_at: float


Shared = tuple[SignedSession, SignedSession, str]  # the shared customer's session, Support's, id


@dataclass
class Run:
    """What the clients share: the runtime, the figures, the shared customer, the announcements
    posted so far."""

    local_runtime: LocalClient
    guest: SignedSession
    figures: Figures
    shared: Shared
    posted: list[Posted] = field(default_factory=list)
    told: list[threading.Event] = field(default_factory=list)  # each closure's, set once told
    lock: threading.Lock = field(default_factory=threading.Lock)

    def careful(self, session: SignedSession, journey: str) -> Careful:
        return Careful(session.api_url, session.region, session.credentials, self.figures, journey)

    def staff(self, role: str, journey: str) -> Careful:
        return self.careful(staff(self.local_runtime, role), journey)


@dataclass
class Client:
    """One client's customer and what its journeys should have left: the decided audit actions
    and the notices (by kind), exactly; the announcements it must have had once."""

    number: int  # across rounds: its contract's dates are its own
    journeys: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)
    session: SignedSession | None = None
    emails: list[str] = field(default_factory=list)  # every address it had, the current last
    registered_at: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)
    notices: Counter[str] = field(default_factory=Counter)
    awaited: set[str] = field(default_factory=set)
    erase_after: str = ""

    @property
    def me(self) -> SignedSession:
        assert self.session is not None
        return self.session


def _client(run: Run, number: int, journeys: tuple[str, ...]) -> tuple[Client, Counter[str]]:
    """A client's journeys, and its changes and reads of the shared customer before and after."""
    contended: Counter[str] = Counter()
    for n in range(FIGHTS):
        contended += _contend(run, granted=n % 2 == 0)
    client = Client(number, journeys)
    _register(run, client)
    for journey in JOURNEYS[:-1]:
        if journey in journeys:
            STEPS[journey](run, client)
    _close(run, client)
    if "erasure" in journeys:
        _erase(run, client)
    for n in range(FIGHTS):
        contended += _contend(run, granted=n % 2 == 0)
    return client, contended


def _register(run: Run, client: Client) -> None:
    """Register, sign in with TOTP; the chain's decided actions so far (the consents given)."""
    lr = run.local_runtime
    client.details = register(lr, run.careful(run.guest, "registration"))
    client.registered_at = time.monotonic()
    email, password = client.details["email"], client.details["password"]
    client.details.update(_unthrottled(lambda: sign_in(lr, email, password)))
    client.session = lr.session(id_token=client.details["tokens"]["IdToken"])
    client.emails.append(email)
    compliance = run.staff("compliance", "registration")
    client.actions = _decided(_trail(compliance, client.details["customer_id"]))
    client.notices["registration_code"] += 2


def _consents(run: Run, client: Client) -> None:
    me = run.careful(client.me, "consents")
    for granted in (True, False):
        path = "/v1/me/consents/marketing"
        assert me.request("PUT", path, json_body={"granted": granted}).status_code == 200
    client.actions.update(["consent.grant", "consent.withdraw"])


def _edit(run: Run, client: Client) -> None:
    """An email change, verified and approved: the address guards follow it, and the new email
    signs in."""
    lr, old = run.local_runtime, client.details["email"]
    new = f"chaos.moi.{uuid.uuid4().hex[:10]}@example.com"
    edit_id = email_change(lr, run.careful(client.me, "edit"), new)
    support = run.staff("support", "edit")
    decided = support.request(
        "POST",
        f"/v1/staff/edit-requests/{edit_id}/decision",
        json_body={"decision": "approve", "note": "Đã kiểm tra"},
    )
    assert decided.json()["status"] == "APPLIED", decided.text
    for email, owner in ((new, client.details["customer_id"]), (old, None)):
        body = {"email": email, "purpose": "customer_support"}
        found = support.request("POST", "/v1/staff/customers/search", json_body=body)
        assert (found.json().get("customer_id") if found.status_code == 200 else None) == owner
    client.details["email"] = new
    client.emails.append(new)
    client.session = _unthrottled(lambda: signed_in_again(lr, client.details))
    client.actions["edit_request.approve"] += 1
    client.notices.update({"change_code": 1, "profile_changed": 3})  # old, new email; phone


def _contract(run: Run, client: Client) -> None:
    """A contract, renewed; the daily job on the day its old expiry was 7 days off finds nothing
    due, on the day its new one is (twice) one invitation per channel."""
    expires = FIRST_EXPIRY + timedelta(days=100 * client.number)  # windows of no other client's
    renewed = expires + timedelta(days=50)
    support = run.staff("support", "contract")
    contract_id = contract_for(support, client.details["customer_id"], expires)
    path = f"/v1/staff/contracts/{contract_id}/renewal"
    answer = support.request("POST", path, json_body={"expires_at": timestamp(renewed)})
    assert answer.status_code == 200, answer.text
    run_job(run.local_runtime, "expiry-reminders", timestamp(expires - timedelta(days=7)))
    time.sleep(STALE)
    for _ in range(2):
        run_job(run.local_runtime, "expiry-reminders", timestamp(renewed - timedelta(days=7)))
    client.actions.update(["contract.create", "contract.renew"])
    client.notices.update({"contract_confirmation": 2, "renewal_invitation": 2})


def _disclosure(run: Run, client: Client) -> None:
    """A disclosure on the basis of consent: refused without it, recorded with it and listed to
    the customer once, refused again once it is withdrawn."""
    compliance, me = run.staff("compliance", "disclosure"), run.careful(client.me, "disclosure")
    disclosure = {
        "customer_id": client.details["customer_id"],
        "recipient": PARTNER,
        "legal_basis": "consent",
        "data_categories": ["contact"],
    }
    consent = f"/v1/me/consents/third_party_sharing:{PARTNER}"

    def record() -> requests.Response:
        return compliance.request("POST", "/v1/staff/disclosures", json_body=disclosure)

    assert _code(record()) == "CONSENT_REQUIRED"
    assert me.request("PUT", consent, json_body={"granted": True}).status_code == 200
    recorded = record()
    assert recorded.status_code == 201, recorded.text
    listed = _eventually(lambda: every_page(signed(me, "/v1/me/disclosures"), "disclosures"))
    assert [d["disclosure_id"] for d in listed] == [recorded.json()["disclosure_id"]]
    assert me.request("PUT", consent, json_body={"granted": False}).status_code == 200
    assert _code(record()) == "CONSENT_REQUIRED"
    client.actions.update(["consent.grant", "disclosure.record", "consent.withdraw"])


def _eventually(read: Callable[[], list[T]]) -> list[T]:
    """``read`` (a list, read eventually consistently) again until it is not empty."""
    deadline = time.monotonic() + WAIT
    while not (found := read()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def _complaint(run: Run, client: Client) -> None:
    me, support = run.careful(client.me, "complaint"), run.staff("support", "complaint")
    complaint = {"category": "service", "subject": "Chậm", "message": "Trang chậm."}
    filed = me.request("POST", "/v1/complaints", json_body=complaint)
    assert filed.status_code == 201, filed.text
    path = f"/v1/staff/complaints/{filed.json()['complaint_id']}"
    for move in ({"status": "IN_PROGRESS"}, {"status": "RESOLVED", "resolution": "Đã sửa."}):
        assert support.request("PATCH", path, json_body=move).status_code == 200
    client.actions.update(["complaint.in_progress", "complaint.resolved"])
    client.notices.update({"complaint_received": 1, "complaint_outcome": 1})


def _announcement(run: Run, client: Client) -> None:
    """A product update posted by Admin, followed until its fan-out is done."""
    title = f"Tin mới {uuid.uuid4().hex[:8]}"
    with run.lock:
        run.posted.append(Posted(title, time.monotonic()))
    admin = run.staff("admin", "announcement")
    body = {"kind": "product_update", "title": title, "body": "Tính năng mới."}
    posted = admin.request("POST", "/v1/staff/announcements", json_body=body)
    assert posted.status_code == 202, posted.text
    path = f"/v1/staff/announcements/{posted.json()['announcement_id']}"
    deadline = time.monotonic() + WAIT
    while admin.request("GET", path).json()["status"] != "DONE":
        assert time.monotonic() < deadline, f"{title}: the fan-out is not done"
        time.sleep(1)


def _recovery(run: Run, client: Client) -> None:
    """A lost password recovered with a code by email and one by SMS; the new password signs
    in, with the same app."""
    lr, guest = run.local_runtime, run.careful(run.guest, "recovery")
    addresses = {"email": client.details["email"], "phone": client.details["e164"]}
    before = {a: len(lr.outbox(a)) for a in addresses.values()}
    started = guest.request("POST", "/v1/recoveries", json_body=addresses)
    assert started.status_code == 202, started.text
    codes = {f"{n}_code": latest_code(lr, a, before[a]) for n, a in addresses.items()}
    verified = guest.request(
        "POST",
        f"/v1/recoveries/{started.json()['recovery_id']}/verification",
        json_body={**codes, "new_password": NEW_PASSWORD, "reset_mfa": False},
    )
    assert (verified.status_code, verified.json()) == (200, {"status": "RECOVERED"})
    client.details["password"] = NEW_PASSWORD
    client.session = _unthrottled(lambda: signed_in_again(lr, client.details))
    me = run.careful(client.me, "recovery").request("GET", "/v1/me")
    assert me.json()["customer_id"] == client.details["customer_id"]
    client.actions["account.recover"] += 1
    client.notices.update({"recovery_code": 2, "account_recovered": 2})


def _close(run: Run, client: Client) -> None:
    """The closure, once the announcements posted since the customer was active (and seen by
    the index) have reached them: until then they stay active and consenting."""
    with run.lock:
        due = [p.title for p in run.posted if p.sent_at - STALE > client.registered_at]
    for title in due:
        deadline = time.monotonic() + WAIT
        while not _announced(run.local_runtime, client.emails, title):
            assert time.monotonic() < deadline, f"{title} never reached a consenting customer"
            time.sleep(0.5)
    client.awaited.update(due)
    told = threading.Event()
    with run.lock:
        run.told.append(told)
    closing = run.careful(client.me, "closure").request("POST", "/v1/me/closure", json_body={})
    assert closing.status_code == 202, closing.text
    client.erase_after = closing.json()["erase_after"]
    client.actions["account.close"] += 1
    client.notices["account_closing"] += 2
    _delivered(run.local_runtime, client)
    told.set()


def _erase(run: Run, client: Client) -> None:
    """The erasure job, run past the grace period once every customer closed before has had
    their notices (it erases them too; a notice still on its way would never go, as none of an
    erased customer's can): the account is erased."""
    with run.lock:
        closed = list(run.told)
    assert all(told.wait(WAIT) for told in closed)
    time.sleep(STALE)
    run_job(run.local_runtime, "erasure", client.erase_after)
    _erased(run.staff("support", "erasure"), client)


def _erased(support: SignedSession, client: Client) -> None:
    read = f"/v1/staff/customers/{client.details['customer_id']}?purpose=customer_support"
    answer = support.request("GET", read)
    assert (answer.status_code, _code(answer)) == (410, "ERASED")


STEPS: dict[str, Callable[[Run, Client], None]] = {
    "announcement": _announcement,
    "edit": _edit,
    "contract": _contract,
    "recovery": _recovery,
    "consents": _consents,
    "disclosure": _disclosure,
    "complaint": _complaint,
}


def _contend(run: Run, *, granted: bool) -> Counter[str]:
    """A change of the shared customer's consents and Support's read of it: the actions
    answered 2xx, as the chain should record them."""
    shared, support, customer_id = run.shared
    done: Counter[str] = Counter()
    path = "/v1/me/consents/product_updates"
    answer = run.careful(shared, "shared customer").request(
        "PUT", path, json_body={"granted": granted}
    )
    if answer.status_code == 200:
        done["consent.grant" if granted else "consent.withdraw"] += 1
    read = f"/v1/staff/customers/{customer_id}?purpose=customer_support"
    if run.careful(support, "shared customer").request("GET", read).status_code == 200:
        done["customer.read"] += 1
    return done


def _trail(compliance: SignedSession, customer_id: str) -> dict[str, Any]:
    """The customer's audit entries, every page, and the verification of their whole chain
    (each page carries it)."""
    first = signed(compliance, "/v1/staff/audit", customer_id=customer_id, limit="100")
    pages: list[dict[str, Any]] = []

    def ask(more: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status, page = first(more)
        pages.append(page)
        return status, page

    entries = every_page(ask, "entries")
    return {"entries": entries, "verification": pages[-1]["verification"]}


def _decided(trail: dict[str, Any]) -> Counter[str]:
    return Counter(e["action"] for e in trail["entries"] if e["action"] in DECIDED)


def _announced(local_runtime: LocalClient, emails: list[str], title: str) -> int:
    """How many notices of the announcement ``title`` reached ``emails``."""
    subject = f"OnGPT: {title}"
    return sum(m["subject"] == subject for e in emails for m in local_runtime.outbox(e))


@cache
def _forms() -> list[tuple[str, str, re.Pattern[str]]]:
    """Each kind's Vietnamese email subject and SMS text as patterns (``templates.toml``), the
    most literal first (an announcement's SMS, ``OnGPT: {title}``, would match any)."""
    forms = []
    for kind in Kind:
        texts = template(kind, "vi")
        for channel, text in (("email", texts.subject), ("sms", texts.sms)):
            parts = re.split(r"\{\w+\}", text)
            form = re.compile(".+".join(map(re.escape, parts)))
            forms.append((len("".join(parts)), kind.value, channel, form))
    return [(kind, channel, form) for _, kind, channel, form in sorted(forms, reverse=True)]


def _kind_of(message: dict[str, Any]) -> str:
    """The kind of a message from its email subject or its SMS text."""
    channel = message["channel"]
    text = message["subject"] if channel == "email" else message["body"]
    return next(k for k, c, form in _forms() if c == channel and form.fullmatch(text))


def _sent(local_runtime: LocalClient, client: Client) -> Counter[str]:
    """The kinds of the notices the client's addresses had, announcements left out (their
    subjects and texts are alike: ``_announced`` counts them by title)."""
    addresses = [*client.emails, client.details["e164"]]
    kinds = (_kind_of(m) for a in addresses for m in local_runtime.outbox(a))
    return Counter(k for k in kinds if k not in (Kind.PRODUCT_UPDATE, Kind.SERVICE_CHANGE))


def _delivered(local_runtime: LocalClient, client: Client) -> Counter[str]:
    """``_sent``, once as many notices as the client should have had have arrived."""
    deadline = time.monotonic() + WAIT
    while (sent := _sent(local_runtime, client)).total() < client.notices.total():
        assert time.monotonic() < deadline, (sent, client.notices)
        time.sleep(0.2)
    return sent


def _counts(local_runtime: LocalClient) -> dict[str, int]:
    """The counts of active customers and of those consenting to product updates, as the
    service keeps them (``CustomerStore.counts``)."""
    dynamodb = aws_client(local_runtime, "dynamodb")
    tables = dynamodb.list_tables()["TableNames"]
    customers, guards = (next(t for t in tables if name in t) for name in ("Customers", "Guards"))
    return CustomerStore(dynamodb, customers, guards).counts()


def _shared_consents(shared: SignedSession) -> bool:
    """Whether the shared customer grants ``product_updates`` now."""
    consents = shared.request("GET", "/v1/me/consents").json()["consents"]
    return any(c["purpose"] == "product_updates" and c["granted"] for c in consents)


@pytest.mark.clause("P2.5")
def test_the_journeys_hold_under_chaos_with_many_clients_at_once(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    shared_details = register(local_runtime, guest)
    shared_tokens = sign_in(local_runtime, shared_details["email"], shared_details["password"])
    shared_id = shared_details["customer_id"]
    shared = local_runtime.session(id_token=shared_tokens["tokens"]["IdToken"])
    run = Run(local_runtime, guest, Figures(), (shared, staff(local_runtime, "support"), shared_id))
    compliance = staff(local_runtime, "compliance")
    before = Counter(e["action"] for e in _trail(compliance, shared_id)["entries"])
    counts, conflicts_before, began = (
        _counts(local_runtime),
        _conflicts(local_runtime),
        time.monotonic(),
    )
    clients: list[Client] = []
    contended: Counter[str] = Counter()
    with chaos_mode(local_runtime, SETTINGS), ThreadPoolExecutor(CLIENTS) as pool:
        for round_ in range(ROUNDS):
            runs = [
                pool.submit(_client, run, round_ * CLIENTS + n, _journeys_of(n))
                for n in range(CLIENTS)
            ]
            for client, done in (r.result() for r in runs):
                clients.append(client)
                contended += done
    conflicts, seconds = _conflicts(local_runtime) - conflicts_before, time.monotonic() - began

    # Every account past its grace period: erased, the clients' included, once each.
    run_job(local_runtime, "erasure", max(c.erase_after for c in clients))
    tables = every_item(aws_client(local_runtime, "dynamodb"))
    kms, text = aws_client(local_runtime, "kms"), dumped(tables)
    for client in clients:
        _check(run, client)
        assert keys_that_open(kms, tables, client.details["customer_id"]) == 0
        assert [a for a in (*client.emails, client.details["e164"]) if a in text] == []
    trail = _trail(compliance, shared_id)
    assert trail["verification"]["valid"] is True
    for posted in run.posted:  # its consent changing all along: at most once
        assert _announced(local_runtime, [shared_details["email"]], posted.title) <= 1
    after = Counter(e["action"] for e in trail["entries"])
    assert {a: after[a] - before[a] for a in contended} == dict(contended)
    withdrawn = 0 if _shared_consents(shared) else 1  # granted at registration
    assert _counts(local_runtime) == {
        **counts,
        "product_updates": counts["product_updates"] - withdrawn,
    }
    _report(run.figures, conflicts, seconds, len(clients))


def _journeys_of(n: int) -> tuple[str, ...]:
    return JOURNEYS if EVERY_JOURNEY else JOURNEYS[n::CLIENTS]


def _check(run: Run, client: Client) -> None:
    """The client's customer: a valid chain holding each decided change once, each notice sent
    once, each announcement at most once (once if awaited), erased."""
    lr, customer_id = run.local_runtime, client.details["customer_id"]
    trail = _trail(staff(lr, "compliance"), customer_id)
    assert trail["verification"]["valid"] is True
    assert _decided(trail) == client.actions + Counter({"customer.erased": 1})
    assert _delivered(lr, client) == client.notices
    for posted in run.posted:
        had = _announced(lr, client.emails, posted.title)
        assert had <= 1, posted.title
        assert had == 1 or posted.title not in client.awaited, posted.title
    _erased(staff(lr, "support"), client)
    assert not cognito_user_exists(lr, customer_id)


def _conflicts(local_runtime: LocalClient) -> int:
    url = f"{local_runtime.api_url}/_local/chaos"
    return int(requests.get(url, timeout=30).json()["conflicts"])


def _report(figures: Figures, conflicts: int, seconds: float, clients: int) -> None:
    """Print the run's figures; the long run also writes them into ``CHAOS_REPORT``."""
    total = figures.total()
    rows = [
        Row("chaos settings", SETTINGS),
        Row("clients at once, rounds, clients in all", f"{CLIENTS}, {ROUNDS}, {clients}"),
        Row("journeys per client", "all" if EVERY_JOURNEY else f"spread over {CLIENTS}"),
        Row("requests answered", str(len(total.seconds))),
        Row("transaction conflicts met (at moto)", str(conflicts)),
        Row("requests tried again by the clients", str(total.retries)),
        Row("409 CONFLICT answers", str(total.statuses[409])),
        Row("503 SERVICE_UNAVAILABLE answers", str(total.statuses[503])),
        Row("429 answers (API Gateway's throttle)", str(total.statuses[429])),
        Row("latency p50, p99", _percentiles(total.seconds)),
        Row("wall time", f"{seconds:.0f} s"),
        *(
            Row(
                f"{name}: requests, tried again, 409, 503, p50, p99",
                f"{len(t.seconds)}, {t.retries}, {t.statuses[409]}, {t.statuses[503]}, "
                + _percentiles(t.seconds),
            )
            for name in FIGURES
            if (t := figures.journeys.get(name))
        ),
    ]
    for row in rows:
        print(f"chaos: {row.name}: {row.measured}")
    if REPORT:
        write(Path(REPORT), rows, this_machine(), markers=(START, END))


def _percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{p50:.0f} ms, {p99:.0f} ms"
