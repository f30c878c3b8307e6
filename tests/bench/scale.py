"""The scale tier (``make scale``): at 1,000, 10,000 and 100,000 customers (``SCALE_SIZES``), the
announcement fan-out, every paged list and the four scheduled jobs, each invocation measured
(``tests.bench.meter``); then, for each kind of invocation, its figures at the largest size
against the smallest's: flat if none grows past ``FLAT`` times, and no estimated duration past
half its function's timeout. Flat is judged on the figures that depend only on the calls made
(``COMPARED``), never on the CPU time measured here, which a loaded machine makes noise of; the
estimated duration, with that CPU time, is what must stay within half the timeout. The figures
go between their markers in ``docs/benchmarks.md``; the run fails, naming them, on any figure
that is not flat or too long.

Each size is a world of its own (the stack over moto in this process) with its customers loaded
(``tests.support.scale``). moto's own time is no figure: it reads a whole table for every index
query. So each kind is measured on a sample: a list's first, middle and last page, each shard's
first, middle and last page of the fan-out, a job's first, middle and last invocation. A list or
shard is entered at its middle or last page by a cursor to the item before it (``Jump``), which
is what the page before it would have handed on; a job runs every invocation (while its answer
says ``"more": true``), each measured.

Pages are full at 1,000 customers: the fan-out's page is ``FAN_OUT_PAGE`` customers instead of
its 99 (the module's ``PAGE``: the template sets no variable for it), and each list is asked for
the page size ``LISTS`` gives it (the staff queues at 100 too, the most API.md allows).

``make test`` measures less at 1,000 (``first_only``): the first page of each list and shard, the
first invocation of each job; it keeps the machinery working and each invocation within bounds,
and leaves the comparison to ``make scale``."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.lambdas import reset_warm_state
from ongpt.announcements import service as announcement_module
from ongpt.announcements.models import PageMessage
from ongpt.customers.store import ACTIVE_SHARDS
from ongpt.platform.pages import Cursors, Position
from tests.bench import quiet, results
from tests.bench.meter import Figures, Meter
from tests.support.deployed import Deployed, customer, deployed, staff
from tests.support.events import rest_event, sqs_event
from tests.support.jobs import scheduled
from tests.support.scale import Population, load_population

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "benchmarks.md"
MARKERS = (
    "<!-- scale:results:start (written by make scale; do not edit) -->",
    "<!-- scale:results:end -->",
)
SIZES = (1_000, 10_000, 100_000)
FLAT = 1.2  # the largest size's figure, at most this many times the smallest's
FAN_OUT_PAGE = 10  # customers a page of the fan-out in the run
JUMP = "scale-tier-jump"  # a cursor the run opens to the position it chose
MOST_INVOCATIONS = 10_000  # of one job run (a job that never says it is done)
JOBS = ("expiry_reminders", "audit_anchors", "audit_verification", "erasure")


@dataclass(frozen=True)
class Listed:
    """A list route: its function, path, query, caller and the page size asked."""

    function: str
    path: str
    caller: Callable[[str], dict[str, Any]]  # of the customer whose list it is
    limit: int
    query: dict[str, str] = field(default_factory=dict)
    of_customer: bool = False  # ``customer_id=`` the listed customer

    @property
    def kind(self) -> str:
        return f"GET {self.path} (limit {self.limit})"


def _support(_: str) -> dict[str, Any]:
    return staff("Support")


LISTS = (
    Listed("complaints", "/v1/staff/complaints", _support, 20, {"status": "OPEN"}),
    Listed("complaints", "/v1/staff/complaints", _support, 100, {"status": "OPEN"}),
    Listed("edit_requests", "/v1/staff/edit-requests", _support, 20),
    Listed("edit_requests", "/v1/staff/edit-requests", _support, 100),
    Listed(
        "account_lifecycle",
        "/v1/staff/legal-holds",
        lambda _: staff("Compliance"),
        1,
        of_customer=True,
    ),
    Listed("audit", "/v1/staff/audit", lambda _: staff("Compliance"), 5, of_customer=True),
    Listed("me", "/v1/me/notifications", customer, 2),
    Listed("me", "/v1/me/contracts", customer, 1),
    Listed("me", "/v1/me/disclosures", customer, 1),
    Listed("me", "/v1/me/complaints", customer, 2),
    Listed("me", "/v1/me/access-log", customer, 2),
    Listed("edit_requests", "/v1/me/edit-requests", customer, 1),
)


@dataclass(frozen=True)
class Measured:
    """One invocation measured: its kind (what is compared across sizes), its function, which of
    its kind it was, and its figures."""

    kind: str
    function: str
    sample: str
    figures: Figures
    timeout_seconds: int

    @property
    def too_long(self) -> bool:
        return self.figures.estimated_seconds > self.timeout_seconds / 2


def samples(count: int, page: int) -> list[tuple[str, int]]:
    """Where a list of ``count`` items read ``page`` at a time has its first, middle and last
    pages: (name, items before it), each page once (a list of one page has only its first)."""
    pages = max(1, -(-count // page))
    chosen: dict[int, str] = {}
    for skip, name in ((0, "first"), (pages // 2 * page, "middle"), ((pages - 1) * page, "last")):
        chosen.setdefault(skip, name)
    return [(name, skip) for skip, name in chosen.items()]


@contextmanager
def jumping(position: Position) -> Iterator[None]:
    """A page asked with the cursor ``JUMP`` starts after ``position`` (the API opens every other
    cursor as it does)."""
    opened = Cursors.open

    def open_(self: Cursors, cursor: str, binding: bytes) -> Position:
        return position if cursor == JUMP else opened(self, cursor, binding)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Cursors, "open", open_)
        yield


class Scene:
    """A loaded world, measured invocation by invocation."""

    def __init__(
        self, aws: Deployed, population: Population, listed: str, first_only: bool = False
    ) -> None:
        self.aws, self.population, self.listed = aws, population, listed
        self.first_only = first_only  # of each list, shard and job (see the module)
        self.meter = Meter()
        reset_warm_state()  # the functions' clients made again, on the meter's session
        self.dynamodb = boto3.client("dynamodb")
        self.measured: list[Measured] = []

    def invoke(self, kind: str, function: str, sample: str, event: dict[str, Any]) -> Any:
        """The function's handler given ``event`` (with its environment and a context carrying its
        timeout), measured: its answer."""
        local = self.aws.function(function)
        local.module()  # its cold start: not in the figures
        with self.meter.measuring(local.memory_mb) as figures:
            answer = local.invoke(event)
        self.measured.append(Measured(kind, function, sample, figures[0], local.timeout_seconds))
        return answer

    def _list_query(self, limit: int) -> dict[str, Any]:
        """The query the last invocation read its page with (it asks for one item more)."""
        return next(q for q in self.meter.queries if q.get("Limit") == limit + 1)

    def count(self, query: dict[str, Any]) -> int:
        """How many items ``query`` reads from its start to its end."""
        read, ask = 0, {k: v for k, v in query.items() if k not in ("Limit", "ExclusiveStartKey")}
        while True:
            answer = self.dynamodb.query(**ask)
            read += answer["ScannedCount"]
            if "LastEvaluatedKey" not in answer:
                return read
            ask["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def position(self, query: dict[str, Any], skip: int) -> Position:
        """Where the page after the first ``skip`` items of ``query`` starts. A query stops at
        1 MB read, whatever its ``Limit`` ("Paginating table query results",
        https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html),
        so it is followed until ``skip`` items are read."""
        ask = {k: v for k, v in query.items() if k not in ("ExclusiveStartKey", "Limit")}
        while True:
            answer = self.dynamodb.query(**(ask | {"Limit": skip}))
            skip -= answer["ScannedCount"]
            if skip <= 0:
                found: Position = answer["LastEvaluatedKey"]
                return found
            ask["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    # What is measured
    def lists(self) -> None:
        for listed in LISTS:
            self._list(listed)

    def _list(self, listed: Listed) -> None:
        query = listed.query | ({"customer_id": self.listed} if listed.of_customer else {})
        kind = listed.kind
        caller = self.aws.in_world(listed.caller(self.listed), listed.function)

        def page(sample: str, cursor: str | None) -> None:
            asked = query | {"limit": str(listed.limit)} | ({"cursor": cursor} if cursor else {})
            event = rest_event("GET", listed.path, query=asked, identity=caller)
            answer = self.invoke(kind, listed.function, sample, event)
            assert answer["statusCode"] == 200, (kind, answer["body"])

        page("first", None)
        if self.first_only:
            return
        read = self._list_query(listed.limit)
        for sample, skip in samples(self.count(read), listed.limit)[1:]:
            with jumping(self.position(read, skip)):
                page(sample, JUMP)

    def fan_out(self, shards: int = ACTIVE_SHARDS) -> None:
        """The post, then the first, middle and last pages of the first ``shards`` shards."""
        admin = self.aws.in_world(staff("Admin"), "announcements")
        body = {"kind": "product_update", "title": "Tính năng mới", "body": "Xin mời."}
        event = rest_event("POST", "/v1/staff/announcements", body=body, identity=admin)
        posted = self.invoke("POST /v1/staff/announcements", "announcements", "post", event)
        assert posted["statusCode"] == 202, posted["body"]
        announcement_id = json.loads(posted["body"])["announcement_id"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(announcement_module, "PAGE", FAN_OUT_PAGE)
            for shard in range(shards):
                self._shard(announcement_id, shard)

    def _shard(self, announcement_id: str, shard: int) -> None:
        def page(sample: str, cursor: str | None) -> None:
            message = PageMessage(announcement_id=announcement_id, shard=shard, cursor=cursor)
            event = sqs_event(message.model_dump_json())
            kind = "announcement_worker: a page of a shard"
            answer = self.invoke(kind, "announcement_worker", f"shard {shard} {sample}", event)
            assert answer == {"batchItemFailures": []}, answer

        page("first", None)
        if self.first_only:
            return
        read = self._list_query(FAN_OUT_PAGE)
        for sample, skip in samples(self.count(read), FAN_OUT_PAGE)[1:]:
            cursor = json.dumps(self.position(read, skip), sort_keys=True)
            self._skip_to(announcement_id, shard, cursor)
            page(sample, cursor)

    def _skip_to(self, announcement_id: str, shard: int, cursor: str) -> None:
        """The shard's progress moved on to the page at ``cursor`` (as if the pages before it
        were written), with the store's own update."""
        with self.aws.environment_of("announcement_worker"):
            from ongpt import services

            store = services.announcement_store()
            done = store.shard(announcement_id, shard)["next"]
            moved = store.writing_page(announcement_id, shard, done, cursor, 0)
            self.dynamodb.update_item(**moved["Update"])

    def jobs(self) -> None:
        event = scheduled(self.population.now)
        for job in JOBS:
            for n in range(MOST_INVOCATIONS):
                answer = self.invoke(f"{job} job", job, f"invocation {n + 1}", event)
                if self.first_only or not (isinstance(answer, dict) and answer.get("more")):
                    break
            else:
                raise AssertionError(f"{job} still had more after {MOST_INVOCATIONS} invocations")


def prepare_listed(aws: Deployed, customer_id: str) -> None:
    """Records of every list of one customer, made through the API: complaints, contracts,
    legal holds, edit requests, disclosures, and the notices and staff accesses they bring."""
    me = customer(customer_id)

    def call(function: str, path: str, who: dict[str, Any], body: dict[str, Any]) -> None:
        status, answer = aws.call(function, "POST", path, body=body, identity=who)
        assert status in (200, 201, 202), (path, answer)

    for n in range(5):
        body = {"category": "service", "subject": f"Khiếu nại {n}", "message": "Mạng chập chờn."}
        call("complaints", "/v1/complaints", me, body)
    expires = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for _ in range(3):
        contract = {"customer_id": customer_id, "plan": "Pro", "starts_at": "2026-01-01T00:00:00Z"}
        call(
            "contracts", "/v1/staff/contracts", staff("Support"), contract | {"expires_at": expires}
        )
        hold = {
            "customer_id": customer_id,
            "authority_reference": "BCA-2026/117",
            "reason": "Điều tra",
        }
        call("account_lifecycle", "/v1/staff/legal-holds", staff("Compliance"), hold)
        change = {"changes": {"full_name": "Nguyễn Văn Bình"}, "reason": "Đổi tên"}
        call("edit_requests", "/v1/me/edit-requests", me, change)
    purpose = "/v1/me/consents/third_party_sharing:partner-x"
    status, _ = aws.call("me", "PUT", purpose, body={"granted": True}, identity=me)
    assert status == 200
    for _ in range(3):
        disclosure = {
            "recipient": "partner-x",
            "data_categories": ["contact"],
            "customer_id": customer_id,
            "legal_basis": "consent",
        }
        call("disclosures", "/v1/staff/disclosures", staff("Compliance"), disclosure)


def measure(assembly: Path, size: int) -> list[Measured]:
    """Every invocation measured in a world of its own with ``size`` customers."""
    with deployed(assembly) as aws:
        return measure_in(aws, size)


def measure_in(
    aws: Deployed, size: int, shards: int = ACTIVE_SHARDS, first_only: bool = False
) -> list[Measured]:
    """Every invocation measured in ``aws`` with ``size`` customers more (the fan-out's pages
    of its first ``shards`` shards; of each list, shard and job only the first if
    ``first_only``)."""
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.monotonic()
    first = load_population(aws, 1, now)
    listed = first.ids[0]
    prepare_listed(aws, listed)
    rest = load_population(aws, size - 1, now, start=1)
    population = Population(now, first.ids + rest.ids)
    loaded = time.monotonic()
    scene = Scene(aws, population, listed, first_only)
    try:
        scene.fan_out(shards)
        scene.jobs()  # before the lists, whose audited reads would add to the audit jobs' work
        scene.lists()
    finally:
        scene.meter.close()
    print(
        f"{size:,} customers: loaded in {loaded - started:.0f} s, "
        f"{len(scene.measured)} invocations measured in {time.monotonic() - loaded:.0f} s"
    )
    return scene.measured


# The figures compared across sizes, by name: how each is read from an invocation's. Each
# depends only on the calls made: grown, it grew with the customers, not with this machine's load.
COMPARED: dict[str, Callable[[Figures], float]] = {
    "AWS calls": lambda f: f.call_count,
    "items read": lambda f: f.read,
    "items written": lambda f: f.written,
    "bytes returned": lambda f: f.returned,
    "waited ms": lambda f: f.waited_seconds * 1000,
}
# And shown: the estimated duration, with the CPU time measured here (``too_long``'s).
FIGURES: dict[str, Callable[[Figures], float]] = {
    **COMPARED,
    "estimated ms": lambda f: f.estimated_seconds * 1000,
}


def most(measured: Sequence[Measured], kind: str) -> dict[str, float]:
    """Each figure's largest among the invocations of ``kind``: the kind's figures."""
    of_kind = [m.figures for m in measured if m.kind == kind]
    return {name: max(read(f) for f in of_kind) for name, read in FIGURES.items()}


def not_flat(smallest: Sequence[Measured], largest: Sequence[Measured]) -> list[str]:
    """Each compared figure of a kind measured at both sizes that grew past ``FLAT`` times."""
    problems = []
    for kind in dict.fromkeys(m.kind for m in smallest):
        if not any(m.kind == kind for m in largest):
            problems.append(f"{kind}: not measured at the largest size")
            continue
        small, large = most(smallest, kind), most(largest, kind)
        problems += [
            f"{kind}: {name} {small[name]:,.0f} -> {large[name]:,.0f}"
            for name in COMPARED
            if large[name] > FLAT * small[name]
        ]
    return problems


def too_long(measured: Sequence[Measured]) -> list[str]:
    """Each invocation whose estimated duration passes half its function's timeout."""
    return [
        f"{m.kind} ({m.sample}): estimated {m.figures.estimated_seconds:.1f} s, "
        f"over half of {m.function}'s {m.timeout_seconds} s"
        for m in measured
        if m.too_long
    ]


def _cell(figures: dict[str, float]) -> str:
    return (
        f"{figures['AWS calls']:.0f} calls, {figures['items read']:,.0f} read, "
        f"{figures['items written']:,.0f} written, {figures['bytes returned'] / 1024:,.1f} KB, "
        f"{figures['waited ms']:,.0f} ms waited, {figures['estimated ms']:,.0f} ms estimated"
    )


def rows(runs: dict[int, list[Measured]]) -> list[results.Row]:
    """One row a kind: its figures at each size, and whether they are flat and short enough."""
    sizes = sorted(runs)
    smallest, largest = runs[sizes[0]], runs[sizes[-1]]
    table = []
    for kind in dict.fromkeys(m.kind for m in smallest):
        one = next(m for m in smallest if m.kind == kind)
        counts = "/".join(str(sum(m.kind == kind for m in runs[s])) for s in sizes)
        cells = "; ".join(
            f"{size:,}: {_cell(most(runs[size], kind))}"
            for size in sizes
            if any(m.kind == kind for m in runs[size])
        )
        flat = not [p for p in not_flat(smallest, largest) if p.startswith(f"{kind}:")]
        short = not too_long([m for s in sizes for m in runs[s] if m.kind == kind])
        table.append(
            results.Row(
                f"{kind} (`{one.function}`, timeout {one.timeout_seconds} s; invocations measured "
                f"{counts})",
                cells,
                f"≤ {FLAT}x the {sizes[0]:,}'s; ≤ {one.timeout_seconds / 2:g} s",
                flat and short,
            )
        )
    return table


def settings() -> list[results.Row]:
    """The page sizes the run sets (printed, and in the table)."""
    lists = ", ".join(f"{listed.path} {listed.limit}" for listed in LISTS)
    return [
        results.Row(
            "page sizes of the run",
            f"fan-out {FAN_OUT_PAGE} customers (production {announcement_module.PAGE}); "
            f"lists' `limit`: {lists}",
        )
    ]


def main() -> int:
    quiet()
    sizes = sorted(
        int(s) for s in os.environ.get("SCALE_SIZES", ",".join(map(str, SIZES))).split(",")
    )
    machine = results.this_machine()
    started = time.monotonic()
    for row in settings():
        print(f"{row.name}: {row.measured}")
    runs = {size: measure(ROOT / "cdk.out", size) for size in sizes}
    table = [*settings(), *rows(runs)]
    for row in table[1:]:
        print(f"{'ok  ' if row.met else 'FAIL'} {row.name}: {row.measured}")
    problems = too_long([m for run in runs.values() for m in run])
    if len(sizes) > 1:
        problems = not_flat(runs[sizes[0]], runs[sizes[-1]]) + problems
    machine = dataclasses.replace(
        machine, load_at_end=os.getloadavg(), seconds=time.monotonic() - started
    )
    results.write(DOCUMENT, table, machine, MARKERS)
    print(f"results written to {DOCUMENT}")
    for problem in problems:
        print(f"not met: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
