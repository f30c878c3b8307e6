"""Benchmark: the local runtime under load. ``GET /v1/me`` (a customer) and
``POST /v1/analytics/events`` (a guest) with 1, 8 and 32 concurrent clients over HTTP, each for
a few seconds: requests per second, p50 and p99 latency, and the ratio of 32 clients' throughput
to one client's, measured in the same run; then registration -> verification, end to end
(sign-up, both codes read from the outbox, verification), completed per second by 8 clients.

Every request must succeed: a benchmark that counts errors as throughput measures nothing.
Clients send a request signed once (SigV4 signatures stay valid for minutes), so the figures are
the runtime's, not the signer's; they share the machine's cores with the runtime.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from statistics import quantiles

import requests

from local.client import LocalClient, SignedSession
from tests.bench import quiet
from tests.bench.results import Row
from tests.support.runtime import served
from tests.support.signed import register, sign_in

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = (1, 8, 32)
SECONDS = 3.0
SIGN_UP_CLIENTS = 8
SIGN_UPS = 8
EVENTS = {
    "events": [
        {"page": "/pricing", "referrer": "https://example.org/x", "visited_at": "2026-11-25T10:00Z"}
    ]
}


@dataclass
class Load:
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


def under_load(prepared: requests.PreparedRequest, clients: int, expected: int) -> Load:
    """``clients`` threads sending ``prepared`` back to back for SECONDS (after one warm-up
    request each, which also starts the function's environments)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def client() -> None:
        nonlocal errors
        with requests.Session() as session:
            session.send(prepared)
            start.wait()
            while not stop.is_set():
                began = time.perf_counter()
                status = session.send(prepared).status_code
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    errors += status != expected

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    return Load(clients, len(latencies), errors, time.perf_counter() - began, latencies)


def report(name: str, prepared: requests.PreparedRequest, expected: int) -> list[Row]:
    loads = [under_load(prepared, clients, expected) for clients in CLIENTS]
    rows = []
    for load in loads:
        assert load.errors == 0, f"{name}: {load.errors} errors with {load.clients} clients"
        figures = (
            f"{load.per_second:.0f} requests/s, p50 {load.percentile(50):.1f} ms, "
            f"p99 {load.percentile(99):.1f} ms, 0 errors"
        )
        print(f"{name}, {load.clients:>2} client(s): {figures}")
        rows.append(Row(f"local runtime under load, `{name}`, {load.clients} client(s)", figures))
    ratio = loads[-1].per_second / loads[0].per_second
    print(f"{name}: ratio of 32 clients' throughput to 1 client's: {ratio:.2f}x")
    rows.append(Row(f"the same, `{name}`: 32 clients' throughput / 1 client's", f"{ratio:.2f}x"))
    return rows


def sign_ups_per_second(client: LocalClient, guest: SignedSession) -> float:
    """Registrations taken from sign-up to verified account, SIGN_UP_CLIENTS at a time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SIGN_UP_CLIENTS) as pool:
        done = list(pool.map(lambda _: register(client, guest), range(SIGN_UPS)))
    assert all(details["customer_id"] for details in done)
    return SIGN_UPS / (time.perf_counter() - started)


def main() -> list[Row]:
    with served(ROOT / "cdk.out", ROOT / ".build" / "bench-load") as (_, client):
        guest = client.session(principal="guest")
        details = register(client, guest)
        tokens = sign_in(client, details["email"], details["password"])["tokens"]
        customer = client.session(id_token=tokens["IdToken"])
        me = requests.Request("GET", client.api_url + "/v1/me", auth=customer.auth()).prepare()
        rows = report("GET /v1/me", me, 200)
        events = requests.Request(
            "POST", client.api_url + "/v1/analytics/events", json=EVENTS, auth=guest.auth()
        ).prepare()
        rows += report("POST /v1/analytics/events", events, 202)
        rate = sign_ups_per_second(client, guest)
        print(
            f"registration -> verification end to end, {SIGN_UP_CLIENTS} clients: "
            f"{rate:.2f} accounts/s"
        )
    return [
        *rows,
        Row(
            f"registration -> verification end to end (sign-up, both codes from the outbox, "
            f"verification), {SIGN_UP_CLIENTS} clients",
            f"{rate:.2f} accounts/s",
        ),
    ]


if __name__ == "__main__":
    quiet()
    main()
