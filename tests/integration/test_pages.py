"""Issue 27 item 3, API.md v1.2 Pages: every list answers at most ``limit`` items (1 to 100,
default 50) and ``next``, an opaque cursor bound to the caller, the route and the query (any
other use is 400 ``INVALID_CURSOR``); the audit read verifies from the chain's newest anchor
whatever the page; a customer's access log shows staff's accesses, never who."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ongpt.platform.clock import timestamp
from tests.support.audit import append
from tests.support.deployed import Deployed, customer, staff
from tests.support.jobs import run_anchor_job
from tests.support.journeys import contract, disclose, registered
from tests.support.lifecycle import place_hold
from tests.support.pages import aws_calls, every_page


@dataclass(frozen=True)
class Listing:
    """A list route as one caller asks for it."""

    function: str
    path: str
    name: str  # the list's key in the answer
    key: tuple[str, ...]  # what tells its items apart
    identity: dict[str, Any]
    query: tuple[tuple[str, str], ...] = ()

    def ask(self, aws: Deployed, **more: str) -> tuple[int, dict[str, Any]]:
        query = {**dict(self.query), **more}
        return aws.call(
            self.function, "GET", self.path, identity=self.identity, query=query or None
        )

    def keys(self, items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [tuple(item[k] for k in self.key) for item in items]


def lists(customer_id: str) -> dict[str, Listing]:
    """Each list route, as the customer ``customer_id`` or staff ask for it (about them)."""
    me, of = customer(customer_id), (("customer_id", customer_id),)
    support, compliance = staff("Support"), staff("Compliance")
    return {
        "my edit requests": Listing(
            "edit_requests", "/v1/me/edit-requests", "edit_requests", ("edit_request_id",), me
        ),
        "my contracts": Listing("me", "/v1/me/contracts", "contracts", ("contract_id",), me),
        "my notifications": Listing(
            "me", "/v1/me/notifications", "notifications", ("type", "channel", "sent_at"), me
        ),
        "my disclosures": Listing(
            "me", "/v1/me/disclosures", "disclosures", ("disclosure_id",), me
        ),
        "my complaints": Listing("me", "/v1/me/complaints", "complaints", ("complaint_id",), me),
        "my access log": Listing("me", "/v1/me/access-log", "access_log", ("action", "at"), me),
        "edit request queue": Listing(
            "edit_requests",
            "/v1/staff/edit-requests",
            "edit_requests",
            ("edit_request_id",),
            support,
        ),
        "complaint queue": Listing(
            "complaints",
            "/v1/staff/complaints",
            "complaints",
            ("complaint_id",),
            support,
            (("status", "OPEN"),),
        ),
        "legal holds": Listing(
            "account_lifecycle", "/v1/staff/legal-holds", "holds", ("hold_id",), compliance, of
        ),
        "audit log": Listing("audit", "/v1/staff/audit", "entries", ("sequence",), compliance, of),
    }


LISTS = tuple(lists("any"))


@dataclass(frozen=True)
class World:
    aws: Deployed
    customer_id: str
    other_id: str  # a second customer, with lists of their own
    body: dict[str, Any]  # the first customer's registration

    def lists(self, customer_id: str | None = None) -> dict[str, Listing]:
        return lists(customer_id or self.customer_id)


def _three_of_everything(aws: Deployed, customer_id: str) -> None:
    """Three items, at least, in each of the customer's lists and the staff's."""
    me = customer(customer_id)
    for n in range(3):
        change = {"changes": {"full_name": f"Nguyễn Văn {'ABC'[n]}"}, "reason": "cưới"}
        status, _ = aws.call(
            "edit_requests", "POST", "/v1/me/edit-requests", body=change, identity=me
        )
        assert status == 202
        contract(aws, customer_id, 40 + n)
        assert (
            disclose(
                aws,
                customer_id=customer_id,
                legal_basis="legal_obligation",
                authority_reference=f"CV {n}/2026",
            )[0]
            == 201
        )
        filing = {"category": "service", "subject": "Chậm", "message": "Trang chậm."}
        assert aws.call("complaints", "POST", "/v1/complaints", body=filing, identity=me)[0] == 201
        assert place_hold(aws, customer_id)[0] == 201


@pytest.fixture(scope="module")
def world(aws: Deployed) -> World:
    """A customer with three items, at least, in each list, and another customer."""
    body, customer_id = registered(aws)
    _three_of_everything(aws, customer_id)
    return World(aws, customer_id, registered(aws)[1], body)


@pytest.mark.clause("P5")
@pytest.mark.parametrize("listed", LISTS)
def test_each_list_comes_a_page_at_a_time_to_its_end(
    world: World, listed: str, every_log_line: io.StringIO
) -> None:
    listing, aws = world.lists()[listed], world.aws
    status, whole = listing.ask(aws)  # the default page (50) holds it all
    assert (status, whole["next"]) == (200, None)
    limit = str((len(whole[listing.name]) + 1) // 2)  # two pages (three for the audit log)
    pages, query = [], {"limit": limit}
    while True:
        status, page = listing.ask(aws, **query)
        assert status == 200, page
        assert len(page[listing.name]) <= int(limit)
        pages.append(page)
        if page["next"] is None:
            break
        query = {"limit": limit, "cursor": page["next"]}
    assert len(pages) >= 2
    paged = [item for page in pages for item in page[listing.name]]
    if listed == "audit log":  # each read is an entry of the chain it reads: it grows on
        assert [e["sequence"] for e in paged] == list(range(1, len(paged) + 1))
    else:
        assert listing.keys(paged) == listing.keys(whole[listing.name])
    exactly = len(paged) + (listed == "audit log")  # the next read's entry, for the audit log
    status, full = listing.ask(aws, limit=str(exactly))  # a last page that is full: no next
    assert (status, len(full[listing.name]), full["next"]) == (200, exactly, None)
    logged = every_log_line.getvalue()
    assert world.body["email"] not in logged
    assert "Nguyễn" not in logged


@pytest.mark.clause("P5")
def test_a_page_holds_50_items_unless_asked_for_up_to_100(world: World) -> None:
    aws, subject = world.aws, f"many-{uuid.uuid4().hex[:8]}"
    append(aws, subject, 100, datetime.now(UTC))
    audit = lists(subject)["audit log"]
    status, default = audit.ask(aws)  # of 101 entries: the 100, and this read's
    assert (status, len(default["entries"]), default["next"] is None) == (200, 50, False)
    status, most = audit.ask(aws, limit="100")  # of 102
    assert (status, len(most["entries"]), most["next"] is None) == (200, 100, False)
    status, rest = audit.ask(aws, limit="100", cursor=most["next"])  # of 103
    assert [e["sequence"] for e in rest["entries"]] == [101, 102, 103]
    assert rest["next"] is None


@pytest.mark.clause("P5")
@pytest.mark.parametrize("limit", ["0", "101", "two"])
@pytest.mark.parametrize("listed", LISTS)
def test_a_limit_outside_1_to_100_is_a_400(world: World, listed: str, limit: str) -> None:
    status, answer = world.lists()[listed].ask(world.aws, limit=limit)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert answer["error"]["fields"][0]["field"] == "limit"


def _cursor(world: World, listed: str) -> str:
    status, page = world.lists()[listed].ask(world.aws, limit="1")
    assert status == 200, page
    assert page["next"] is not None
    return str(page["next"])


def _refused(answer: tuple[int, dict[str, Any]]) -> bool:
    status, body = answer
    return status == 400 and body["error"]["code"] == "INVALID_CURSOR"


def _changed(cursor: str, at: int) -> str:
    swapped = "B" if cursor[at] == "A" else "A"
    return cursor[:at] + swapped + cursor[at + 1 :]


@pytest.mark.clause("P5", "P2.2")
@pytest.mark.parametrize("listed", LISTS)
def test_a_cursor_changed_in_any_place_or_malformed_is_refused(world: World, listed: str) -> None:
    listing, cursor = world.lists()[listed], _cursor(world, listed)
    assert listing.ask(world.aws, limit="1", cursor=cursor)[0] == 200  # as it was given
    assert listing.ask(world.aws, limit="5", cursor=cursor)[0] == 200  # any page size
    for at in (0, len(cursor) // 2, len(cursor) - 1):
        assert _refused(listing.ask(world.aws, cursor=_changed(cursor, at))), at
    for malformed in ("", "!!!!", cursor + "A", cursor[:-4], "A" * 3000):
        assert _refused(listing.ask(world.aws, cursor=malformed)), malformed


@pytest.mark.clause("P5", "P2.2")
@pytest.mark.parametrize("listed", LISTS)
def test_a_cursor_is_refused_to_another_caller(world: World, listed: str) -> None:
    cursor, listing = _cursor(world, listed), world.lists()[listed]
    if listing.path.startswith("/v1/me"):  # another customer, on their own list
        others = [world.lists(world.other_id)[listed].identity]
    else:  # another member of staff in the same role; the same one in another role
        role = listing.identity["userArn"].split("/")[-2]
        others = [staff(role, "bob"), staff("Admin", "alice")]
    for who in others:
        elsewhere = replace(listing, identity=who)
        assert _refused(elsewhere.ask(world.aws, cursor=cursor)), who


@pytest.mark.clause("P5", "P2.2")
def test_a_cursor_is_refused_on_another_route_of_the_same_function(world: World) -> None:
    lists = world.lists()
    cursor = _cursor(world, "my contracts")
    for listed in ("my notifications", "my disclosures", "my complaints", "my access log"):
        assert _refused(lists[listed].ask(world.aws, cursor=cursor)), listed
    queue = _cursor(world, "edit request queue")
    assert _refused(lists["my edit requests"].ask(world.aws, cursor=queue))


@pytest.mark.clause("P5", "P2.2")
@pytest.mark.parametrize(
    ("listed", "other_query"),
    [
        ("complaint queue", {"status": "IN_PROGRESS"}),
        ("legal holds", {"customer_id": "OTHER"}),
        ("audit log", {"customer_id": "OTHER"}),
        ("my contracts", {"plan": "Pro"}),  # a parameter the route does not read is a query too
    ],
)
def test_a_cursor_is_refused_for_another_query(
    world: World, listed: str, other_query: dict[str, str]
) -> None:
    listing = world.lists()[listed]
    cursor = _cursor(world, listed)
    query = {**dict(listing.query), **other_query}
    if query.get("customer_id") == "OTHER":
        query["customer_id"] = world.other_id
    status, answer = world.aws.call(
        listing.function,
        "GET",
        listing.path,
        identity=listing.identity,
        query={**query, "cursor": cursor},
    )
    assert _refused((status, answer))


@pytest.mark.clause("P2.5", "P5")
def test_a_refused_cursor_reads_nothing_and_writes_no_audit_entry(world: World) -> None:
    audit = world.lists()["audit log"]
    cursor = _cursor(world, "audit log")
    _, before = audit.ask(world.aws, limit="100")
    assert _refused(audit.ask(world.aws, cursor=_changed(cursor, 3)))
    _, after = audit.ask(world.aws, limit="100")
    # one entry for each of the two reads that answered, none for the refused one
    assert len(after["entries"]) == len(before["entries"]) + 1


@pytest.mark.clause("P2.5", "P5")
def test_the_audit_read_verifies_the_whole_chain_from_its_newest_anchor_whatever_the_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 27 item 3: its work is bounded by the page and the entries since the anchor, not the
    chain: a 60-entry chain anchored, two entries after it, any page of 5."""
    aws, subject = world.aws, f"long-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    append(aws, subject, 60, now - timedelta(minutes=10))
    run_anchor_job(aws, now)
    append(aws, subject, 2, now)
    audit = lists(subject)["audit log"]
    cursor = None
    for _ in range(2):  # the first page, then one further on
        with aws_calls(monkeypatch) as calls:
            status, page = audit.ask(aws, limit="5", **({"cursor": cursor} if cursor else {}))
        assert status == 200, page
        head = page["verification"]["checked"]
        assert page["verification"] == {"valid": True, "checked": head, "first_bad": None}
        read = sum(len(answer["Items"]) for call, _, answer in calls if call == "dynamodb.Query")
        macs = [call for call, _, _ in calls if call == "kms.VerifyMac"]
        assert read <= 5 + 1 + (head - 60) + 1 + 2  # the page (and one), the tail, two heads
        assert len(macs) == (head - 60) + 1  # each entry after the anchor, and the anchor
        cursor = page["next"]
    assert head == 62 + 2  # the chain and this test's two reads


@pytest.mark.clause("P5", "P3.7")
def test_the_access_log_shows_staff_accesses_by_role_never_who_and_hides_disclosures(
    world: World,
) -> None:
    aws, customer_id = world.aws, world.customer_id
    until = timestamp(datetime.now(UTC) + timedelta(days=30))
    status, secret = disclose(
        aws,
        customer_id=customer_id,
        legal_basis="legal_obligation",
        authority_reference="CV mật",
        confidential_until=until,
    )
    assert status == 201
    path = f"/v1/staff/customers/{customer_id}"
    carol, purpose = staff("Support", "carol"), {"purpose": "customer_support"}
    assert aws.call("staff_customers", "GET", path, identity=carol, query=purpose)[0] == 200
    log = every_page(lambda more: world.lists()["my access log"].ask(aws, **more), "access_log")
    assert all(set(entry) == {"role", "action", "purpose", "at"} for entry in log)
    assert ("support", "customer.read", "customer_support") in {
        (e["role"], e["action"], e["purpose"]) for e in log
    }
    actions = {e["action"] for e in log}
    assert not {a for a in actions if a.startswith(("disclosure.", "legal_hold."))}
    assert not {a for a in actions if a.startswith(("registration.", "consent."))}  # their own
    assert "carol" not in repr(log)
    _, export = aws.call("me", "GET", "/v1/me/export", identity=customer(customer_id))
    assert export["access_log"] == log  # the same accesses, unpaged
    disclosed = every_page(
        lambda more: world.lists()["my disclosures"].ask(aws, **more), "disclosures"
    )
    assert secret["disclosure_id"] not in {d["disclosure_id"] for d in disclosed}
