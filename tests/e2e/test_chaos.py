"""The chaos tier (issue 26): the journeys through the local runtime while its moto answers as
AWS does on a bad day (``local/chaos.py``: unprocessed batch keys, short pages, stale index and
eventually consistent reads, throttles, slow transactions that conflict), with many clients at
once: each registers, signs in, changes consents, files a complaint that Support resolves and
closes the account, while all of them change one shared customer's consents and Support reads it.

Every answer is 2xx, 409 ``CONFLICT`` (tried again with a new ``Idempotency-Key``, as API.md
v1.2 says), 503 ``SERVICE_UNAVAILABLE`` or API Gateway's 429 (both tried again, the same key):
never another 5xx, and every retry succeeds in the end. Afterwards nothing is half-written
(each answered change is in its customer's valid chain, once), each notice went once, and the
counts are exact. ``make test`` runs a short round; ``make chaos`` the long one (``CHAOS_*``
variables), which prints its figures and writes them into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from local.client import LocalClient, SignedSession
from tests.bench.results import Row, this_machine, write
from tests.support.phones import new_phone
from tests.support.runtime import chaos_mode
from tests.support.signed import arrived, latest_code, register, sign_in, staff

SETTINGS = os.environ.get(
    "CHAOS_SETTINGS", "unprocessed=0.2,short_pages=0.3,stale_ms=200,throttle=0.03,tx_latency_ms=30"
)
CLIENTS = int(os.environ.get("CHAOS_CLIENTS", "4"))  # make test's short round; make chaos: 8
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "1"))
REPORT = os.environ.get("CHAOS_REPORT")  # the document the long run writes its figures into
FIGHTS = 2  # changes and reads of the shared customer before and after each journey
TRIES = 8  # per request: a documented 503, 429 or 409 is tried again, this often at most
RETRIED = {503: "SERVICE_UNAVAILABLE", 409: "CONFLICT", 429: None}  # None: API Gateway's own
CLOSING = "đang được đóng"  # in the closure notice's subject (templates.toml, account_closing)
START = "<!-- chaos:results:start (written by make chaos; do not edit) -->"
END = "<!-- chaos:results:end -->"


@dataclass
class Figures:
    """What the clients met, across threads."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, status: int, seconds: float, retried: bool) -> None:
        with self.lock:
            self.seconds.append(seconds)
            self.statuses[status] += 1
            self.retries += retried


def _call(
    figures: Figures, session: SignedSession, method: str, path: str, body: Any = None
) -> requests.Response:
    """One request as a careful client makes it: a documented 503 or 429 tried again with the
    same ``Idempotency-Key``, a 409 ``CONFLICT`` with a new one; anything else is its answer."""
    key = str(uuid.uuid4())
    for _ in range(TRIES):
        headers = {"Idempotency-Key": key} if method == "POST" else {}
        began = time.monotonic()
        answer = session.request(method, path, json_body=body, headers=headers)
        status = answer.status_code
        retried = status in RETRIED and _code(answer) == RETRIED[status]
        figures.answered(status, time.monotonic() - began, retried)
        assert status < 500 or retried, f"{method} {path}: {status} {answer.text}"
        if not retried:
            return answer
        key = str(uuid.uuid4()) if status == 409 else key
        time.sleep(0.2)
    raise AssertionError(f"{method} {path}: still {answer.status_code} after {TRIES} tries")


def _code(answer: requests.Response) -> str | None:
    error = answer.json().get("error") if answer.content else None
    return error.get("code") if isinstance(error, dict) else None


def _signed_in(local_runtime: LocalClient, details: dict[str, Any]) -> SignedSession:
    """Sign-in with TOTP, tried again from the start while Cognito answers it throttled."""
    for _ in range(TRIES):
        try:
            tokens = sign_in(local_runtime, details["email"], details["password"])["tokens"]
            return local_runtime.session(id_token=tokens["IdToken"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TooManyRequestsException":
                raise
            time.sleep(0.2)
    raise AssertionError("sign-in still throttled")


@dataclass
class Journey:
    """One client's customer and what their journey changed."""

    details: dict[str, Any]
    consents: int = 0  # consent changes answered 200
    consent_entries_before: int = 0  # those the registration recorded


def _journey(local_runtime: LocalClient, guest: SignedSession, figures: Figures) -> Journey:
    """Register, sign in, change consents, file a complaint that Support resolves, close."""
    journey = Journey(_registered(local_runtime, guest, figures))
    me = _signed_in(local_runtime, journey.details)
    journey.consent_entries_before = _consent_entries(local_runtime, journey.details)
    for granted in (True, False):
        path = "/v1/me/consents/marketing"
        assert _call(figures, me, "PUT", path, {"granted": granted}).status_code == 200
        journey.consents += 1
    complaint = {"category": "service", "subject": "Chậm", "message": "Trang chậm."}
    filed = _call(figures, me, "POST", "/v1/complaints", complaint)
    assert filed.status_code == 201, filed.text
    support = staff(local_runtime, "support")
    path = f"/v1/staff/complaints/{filed.json()['complaint_id']}"
    for move in ({"status": "IN_PROGRESS"}, {"status": "RESOLVED", "resolution": "Đã sửa."}):
        assert _call(figures, support, "PATCH", path, move).status_code == 200
    assert _call(figures, me, "POST", "/v1/me/closure", {}).status_code == 202
    return journey


def _registered(
    local_runtime: LocalClient, guest: SignedSession, figures: Figures
) -> dict[str, Any]:
    """``register``'s customer, each request made as ``_call`` makes it."""
    phone = new_phone()
    email = f"chaos.{uuid.uuid4().hex[:10]}@example.com"
    started = _call(
        figures,
        guest,
        "POST",
        "/v1/registrations",
        {
            "full_name": "Nguyễn Văn An",
            "phone": phone,
            "email": email,
            "consents": {
                "privacy_policy": "2024-10",
                "terms": "2024-10",
                "marketing": False,
                "product_updates": True,
            },
        },
    )
    assert started.status_code == 202, started.text
    e164 = "+84" + re.sub(r"\D", "", phone)[1:]
    password = "correct-Horse-battery-9"
    verified = _call(
        figures,
        guest,
        "POST",
        f"/v1/registrations/{started.json()['registration_id']}/verification",
        {
            "email_code": latest_code(local_runtime, email),
            "phone_code": latest_code(local_runtime, e164),
            "password": password,
        },
    )
    assert verified.status_code == 201, verified.text
    return {
        "email": email,
        "e164": e164,
        "password": password,
        "customer_id": verified.json()["customer_id"],
    }


Shared = tuple[SignedSession, SignedSession, str]  # the shared customer's session, Support's, id


def _client(
    local_runtime: LocalClient, guest: SignedSession, figures: Figures, shared: Shared
) -> tuple[Journey, Counter[str]]:
    """A client's journey, and its changes and reads of the shared customer in between."""
    contended: Counter[str] = Counter()
    for n in range(FIGHTS):
        contended += _contend(figures, *shared, granted=n % 2 == 0)
    journey = _journey(local_runtime, guest, figures)
    for n in range(FIGHTS):
        contended += _contend(figures, *shared, granted=n % 2 == 0)
    return journey, contended


def _contend(
    figures: Figures,
    shared: SignedSession,
    support: SignedSession,
    customer_id: str,
    *,
    granted: bool,
) -> Counter[str]:
    """A change of the shared customer's consents and Support's read of it: the actions answered
    2xx, as the chain should record them."""
    done: Counter[str] = Counter()
    path = "/v1/me/consents/product_updates"
    if _call(figures, shared, "PUT", path, {"granted": granted}).status_code == 200:
        done["consent.grant" if granted else "consent.withdraw"] += 1
    read = f"/v1/staff/customers/{customer_id}?purpose=customer_support"
    if _call(figures, support, "GET", read).status_code == 200:
        done["customer.read"] += 1
    return done


def _trail(local_runtime: LocalClient, customer_id: str) -> dict[str, Any]:
    compliance = staff(local_runtime, "compliance")
    answer = compliance.request("GET", f"/v1/staff/audit?customer_id={customer_id}&limit=100")
    assert answer.status_code == 200, answer.text
    trail: dict[str, Any] = answer.json()
    return trail


def _consent_entries(
    local_runtime: LocalClient, details: dict[str, Any], trail: dict[str, Any] | None = None
) -> int:
    entries = (trail or _trail(local_runtime, details["customer_id"]))["entries"]
    return sum(e["action"] in ("consent.grant", "consent.withdraw") for e in entries)


def _conflicts(local_runtime: LocalClient) -> int:
    url = f"{local_runtime.api_url}/_local/chaos"
    return int(requests.get(url, timeout=30).json()["conflicts"])


@pytest.mark.clause("P2.5")
def test_the_journeys_hold_under_chaos_with_many_clients_at_once(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    figures = Figures()
    shared_details = register(local_runtime, guest)
    shared = _signed_in(local_runtime, shared_details)
    support = staff(local_runtime, "support")
    shared_id = shared_details["customer_id"]
    before = Counter(e["action"] for e in _trail(local_runtime, shared_id)["entries"])
    conflicts_before, began = _conflicts(local_runtime), time.monotonic()
    journeys: list[Journey] = []
    contended: Counter[str] = Counter()
    with chaos_mode(local_runtime, SETTINGS), ThreadPoolExecutor(CLIENTS) as pool:
        for _ in range(ROUNDS):
            runs = [
                pool.submit(_client, local_runtime, guest, figures, (shared, support, shared_id))
                for _ in range(CLIENTS)
            ]
            for journey, done in (run.result() for run in runs):
                journeys.append(journey)
                contended += done
    conflicts, seconds = _conflicts(local_runtime) - conflicts_before, time.monotonic() - began

    for journey in journeys:
        _check(local_runtime, journey)
    trail = _trail(local_runtime, shared_id)
    assert trail["verification"]["valid"] is True
    after = Counter(e["action"] for e in trail["entries"])
    assert {a: after[a] - before[a] for a in contended} == dict(contended)
    _report(figures, conflicts, seconds, len(journeys))


def _check(local_runtime: LocalClient, journey: Journey) -> None:
    """The journey's customer: a valid chain holding each change once, each notice sent once."""
    trail = _trail(local_runtime, journey.details["customer_id"])
    assert trail["verification"]["valid"] is True
    actions = Counter(e["action"] for e in trail["entries"])
    consent_entries = _consent_entries(local_runtime, journey.details, trail)
    assert consent_entries - journey.consent_entries_before == journey.consents
    assert actions["account.close"] == 1
    for address in (journey.details["email"], journey.details["e164"]):
        messages = arrived(local_runtime, address, count=2, timeout=30)
        bodies = [m["body"] for m in messages]
        assert len(bodies) == len(set(bodies)), f"a notice went twice to {address}"
    closing = [m for m in local_runtime.outbox(journey.details["email"]) if CLOSING in str(m)]
    assert len(closing) == 1


def _report(figures: Figures, conflicts: int, seconds: float, journeys: int) -> None:
    """Print the run's figures; the long run also writes them into ``CHAOS_REPORT``."""
    ordered = sorted(figures.seconds)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rows = [
        Row("chaos settings", SETTINGS),
        Row("clients at once, rounds, journeys", f"{CLIENTS}, {ROUNDS}, {journeys}"),
        Row("requests answered", str(len(ordered))),
        Row("transaction conflicts met (at moto)", str(conflicts)),
        Row("requests tried again by the clients", str(figures.retries)),
        Row("409 CONFLICT answers", str(figures.statuses[409])),
        Row("503 SERVICE_UNAVAILABLE answers", str(figures.statuses[503])),
        Row("429 answers (API Gateway's throttle)", str(figures.statuses[429])),
        Row("latency p50, p99", f"{p50:.0f} ms, {p99:.0f} ms"),
        Row("wall time", f"{seconds:.0f} s"),
    ]
    for row in rows:
        print(f"chaos: {row.name}: {row.measured}")
    if REPORT:
        write(Path(REPORT), rows, this_machine(), markers=(START, END))
