"""The staff CLI (``ongpt-staff``) through the local runtime: every command as each staff role,
allowed exactly where API.md's principal table allows that role, refusals explained."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.client import LocalClient, SignedSession
from ongpt.platform.access import allows
from ongpt_staff.commands import COMMANDS, Command
from ongpt_staff.main import main
from tests.support.signed import register, sign_in, staff

ROLES = ("support", "compliance", "admin")


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


Cli = Callable[..., Ran]


@pytest.fixture(scope="module")
def cli(local_runtime: LocalClient, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """``ongpt-staff --local`` as ``role``, in-process: its exit code, stdout and stderr."""
    config = tmp_path_factory.mktemp("cli") / "config.json"
    config.write_text(json.dumps(local_runtime.config))

    def run(role: str, *argv: str) -> Ran:
        out, err = io.StringIO(), io.StringIO()
        common = ["--local", "--local-config", str(config), "--staff-id", f"{role}-cli"]
        with redirect_stdout(out), redirect_stderr(err):
            code = main([*common, "--role", role, *argv])
        return Ran(code, out.getvalue(), err.getvalue())

    return run


@dataclass
class World:
    """What the commands act on: a customer, and fresh requests, complaints, holds and a closing
    account on demand."""

    local_runtime: LocalClient
    guest: SignedSession
    customer: SignedSession
    customer_id: str
    email: str
    contract_id: str
    leaver: SignedSession  # a customer of this module's own, who closes their account at will
    leaver_id: str
    renewals: int = 0

    def later_expiry(self) -> str:
        """Each renewal must move the expiry later than the one before."""
        self.renewals += 1
        return f"{2027 + self.renewals}-12-01T00:00:00Z"

    def edit_request(self) -> str:
        created = self.customer.request(
            "POST",
            "/v1/me/edit-requests",
            json_body={"changes": {"full_name": "Nguyễn Văn Bình"}, "reason": "Tên mới"},
        )
        assert created.status_code == 202, created.text
        return str(created.json()["edit_request_id"])

    def complaint(self) -> str:
        filed = self.guest.request(
            "POST",
            "/v1/complaints",
            json_body={
                "category": "service",
                "subject": "Chậm",
                "message": "Trang tải chậm.",
                "contact": {"email": f"khach.{uuid.uuid4().hex[:8]}@example.com"},
            },
        )
        assert filed.status_code == 201, filed.text
        return str(filed.json()["complaint_id"])

    def announcement(self) -> str:
        """A new service change announced by an admin: its id."""
        posted = staff(self.local_runtime, "admin").request(
            "POST",
            "/v1/staff/announcements",
            json_body={"kind": "service_change", "title": "Bảo trì", "body": "Nội dung."},
        )
        assert posted.status_code == 202, posted.text
        return str(posted.json()["announcement_id"])

    def closing(self) -> str:
        """The leaver's account, closed (again, after a reactivation): its id."""
        closed = self.leaver.request("POST", "/v1/me/closure", json_body={})
        assert closed.status_code == 202, closed.text
        return self.leaver_id

    def hold(self) -> str:
        """A new active legal hold on the customer, placed by Compliance: its id."""
        placed = staff(self.local_runtime, "compliance").request(
            "POST",
            "/v1/staff/legal-holds",
            json_body={
                "customer_id": self.customer_id,
                "authority_reference": "TA-7",
                "reason": "Vụ án",
            },
        )
        assert placed.status_code == 201, placed.text
        return str(placed.json()["hold_id"])


@pytest.fixture(scope="module")
def world(
    cli: Cli,
    local_runtime: LocalClient,
    guest: SignedSession,
    customer: SignedSession,
    customer_tokens: dict[str, Any],
) -> World:
    customer_id = customer_tokens["customer_id"]
    created = cli(
        "support",
        *("contracts", "create", "--customer-id", customer_id, "--plan", "pro", "--json"),
        *("--starts-at", "2026-12-01T00:00:00Z", "--expires-at", "2027-12-01T00:00:00Z"),
    )
    assert created.code == 0, created.err
    contract_id = json.loads(created.out)["contract_id"]
    leaver = register(local_runtime, guest)
    leaver_tokens = sign_in(local_runtime, leaver["email"], leaver["password"])
    return World(
        local_runtime,
        guest,
        customer,
        customer_id,
        customer_tokens["email"],
        contract_id,
        local_runtime.session(id_token=leaver_tokens["tokens"]["IdToken"]),
        leaver["customer_id"],
    )


# The arguments of each command for a request that the API accepts from a role it allows.
ARGUMENTS: dict[str, Callable[[World], list[str]]] = {
    "customers search": lambda w: ["--email", w.email, "--purpose", "customer_support"],
    "customers show": lambda w: [w.customer_id, "--purpose", "customer_support", "--reveal"],
    "edit-requests list": lambda _: [],
    "edit-requests decide": lambda w: [w.edit_request(), "reject", "--note", "Chưa rõ"],
    "contracts create": lambda w: [
        *("--customer-id", w.customer_id, "--plan", "pro", "--reference", "HĐ-1"),
        *("--starts-at", "2026-12-01T00:00:00Z", "--expires-at", "2027-06-01T00:00:00Z"),
    ],
    "contracts renew": lambda w: [w.contract_id, "--expires-at", w.later_expiry()],
    "announcements send": lambda _: [
        *("--kind", "product_update", "--title", "Tính năng mới", "--body", "Nội dung."),
    ],
    "announcements show": lambda w: [w.announcement()],
    "complaints list": lambda _: ["--status", "OPEN"],
    "complaints update": lambda w: [w.complaint(), "--status", "IN_PROGRESS"],
    "disclosures create": lambda w: [
        *("--customer-id", w.customer_id, "--recipient", "police-hn"),
        *("--legal-basis", "legal_obligation", "--authority-reference", "CV 123/2026"),
        *("--data-categories", "contact", "--data-categories", "profile"),
    ],
    "accounts reactivate": lambda w: [
        *(w.closing(), "--purpose", "customer_support", "--note", "Khách đổi ý"),
    ],
    "legal-holds place": lambda w: [
        *("--customer-id", w.customer_id, "--authority-reference", "TA-7/2026"),
        *("--reason", "Vụ án đang điều tra", "--until", "2027-06-30"),
    ],
    "legal-holds list": lambda w: [w.customer_id],
    "legal-holds release": lambda w: [w.hold(), "--note", "Vụ án đã xong"],
    "audit show": lambda w: [w.customer_id],
}


def _allowed(command: Command, role: str) -> bool:
    concrete = command.path.replace("{", "").replace("}", "")
    return allows(role, command.method, concrete)


@pytest.mark.clause("P5", "P2.2")
def test_every_command_has_a_journey_here_and_help_lists_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(ARGUMENTS) == {c.title for c in COMMANDS}
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    listing = capsys.readouterr().out
    for command in COMMANDS:
        assert command.title in listing


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.title)
@pytest.mark.clause("P5", "P2.2")
def test_each_command_works_for_the_roles_that_may_use_it_and_is_explained_to_others(
    cli: Cli, world: World, command: Command, role: str
) -> None:
    ran = cli(role, *command.title.split(), *ARGUMENTS[command.title](world), "--json")
    if not _allowed(command, role):
        assert ran.code == 1
        assert ran.out == ""
        assert f"your role ({role.capitalize()}) may not {command.summary}" in ran.err
    elif command.title == "customers show" and role == "compliance":  # reveal: legal requests
        assert ran.code == 1
        assert "your role (Compliance) may not read customer profiles" in ran.err
    else:
        assert ran.code == 0, ran.err
        assert isinstance(json.loads(ran.out), dict)


@pytest.mark.clause("P5", "P2.2")
def test_a_profile_is_masked_in_a_table_unless_revealed(cli: Cli, world: World) -> None:
    masked = cli("support", "customers", "show", world.customer_id, "--purpose", "customer_support")
    assert masked.code == 0, masked.err
    assert "N*** V** A*" in masked.out
    assert world.email not in masked.out
    revealed = cli(
        "admin", "customers", "show", world.customer_id, "--purpose", "legal_request", "--reveal"
    )
    assert world.email in revealed.out


def last_page(cli: Cli, role: str, *command: str) -> list[str]:
    """The options that read the last page of a list command's answer (none: the first is)."""
    more: list[str] = []
    while True:
        ran = cli(role, *command, *more, "--json")
        assert ran.code == 0, ran.err
        following = json.loads(ran.out)["next"]
        if following is None:
            return more
        more = ["--cursor", following]


@pytest.mark.clause("P5")
def test_a_list_is_read_a_page_at_a_time_from_the_cursor_it_prints(cli: Cli, world: World) -> None:
    filing = {
        "category": "other",
        "subject": "Hỏi",
        "message": "?",
        "contact": {"phone": "0967000111"},
    }
    guest = world.local_runtime.session(principal="guest")  # a caller of its own (5 a day)
    for _ in range(2):
        assert guest.request("POST", "/v1/complaints", json_body=filing).status_code == 201
    first = cli("support", "complaints", "list", "--limit", "1")
    assert first.code == 0, first.err
    *_, more = first.out.splitlines()
    assert more.startswith("more: the next page is --cursor ")
    cursor = more.split()[-1]
    second = cli("support", "complaints", "list", "--limit", "1", "--cursor", cursor)
    assert second.code == 0, second.err
    assert second.out.splitlines()[2] != first.out.splitlines()[2]  # another complaint's row
    refused = cli("admin", "complaints", "list", "--cursor", cursor)  # not theirs
    assert refused.code == 1
    assert "400 INVALID_CURSOR" in refused.err


@pytest.mark.clause("P5", "P2.2")
def test_the_audit_log_is_a_table_with_its_verification(cli: Cli, world: World) -> None:
    command = ("audit", "show", world.customer_id)
    ran = cli("compliance", *command, *last_page(cli, "compliance", *command))  # the newest
    assert ran.code == 0, ran.err
    header, rule, *rows = ran.out.splitlines()
    assert header.split() == ["sequence", "at", "actor", "role", "action", "purpose"]
    assert set(rule) <= {"-", " "}
    assert any("audit.read" in row and "compliance-cli" in row for row in rows)
    (verification,) = [row for row in rows if row.startswith("verification")]
    assert '"valid":true' in verification


@pytest.mark.clause("P5", "P2.2")
def test_bad_input_names_each_field_at_fault(cli: Cli, world: World) -> None:
    ran = cli(
        "support",
        "contracts",
        "create",
        "--customer-id",
        world.customer_id,
        "--plan",
        "pro",
        "--starts-at",
        "soon",
        "--expires-at",
        "2027-06-01T00:00:00Z",
    )
    assert ran.code == 1
    first, *fields = ran.err.splitlines()
    assert first.startswith("400 VALIDATION_ERROR")
    assert any(line.strip().startswith("starts_at") for line in fields)


@pytest.mark.clause("P5", "P2.2")
def test_the_cli_signs_as_the_staff_member_the_audit_log_names(cli: Cli, world: World) -> None:
    cli("support", "customers", "show", world.customer_id, "--purpose", "contract_delivery")
    entries = json.loads(cli("admin", "--json", "audit", "show", world.customer_id).out)["entries"]
    assert ("support-cli", "support", "contract_delivery") in {
        (e["actor"], e["role"], e["purpose"]) for e in entries
    }


@pytest.mark.clause("P5", "P2.2")
def test_a_missing_local_runtime_is_a_clear_error(tmp_path: Path) -> None:
    err = io.StringIO()
    with redirect_stderr(err):
        code = main(
            [
                "--local",
                "--local-config",
                str(tmp_path / "none.json"),
                "--role",
                "admin",
                "complaints",
                "list",
            ]
        )
    assert code == 1
    assert "make run" in err.getvalue()


@pytest.mark.clause("P5", "P2.2")
def test_legal_holds_placed_and_released_are_listed_with_their_status(
    cli: Cli, world: World
) -> None:
    placed = cli(
        "compliance",
        *("legal-holds", "place", "--customer-id", world.customer_id, "--json"),
        *("--authority-reference", "VKS-12/2026", "--reason", "Điều tra"),
    )
    assert placed.code == 0, placed.err
    hold_id = json.loads(placed.out)["hold_id"]
    released = cli("admin", "legal-holds", "release", hold_id, "--note", "Đã xong")
    assert released.code == 0, released.err
    again = cli("admin", "legal-holds", "release", hold_id, "--note", "Đã xong")
    assert again.code == 1
    assert again.err.startswith("409 CONFLICT")
    listed = cli("compliance", "legal-holds", "list", world.customer_id)
    assert listed.code == 0, listed.err
    header, _, *rows = listed.out.splitlines()
    assert header.split()[:3] == ["hold_id", "status", "created_at"]
    assert [row.split()[1] for row in rows if row.startswith(hold_id)] == ["RELEASED"]


@pytest.mark.clause("P5", "P2.2")
def test_reactivating_an_account_that_is_not_closing_is_a_conflict(cli: Cli, world: World) -> None:
    ran = cli(
        "support",
        *("accounts", "reactivate", world.customer_id, "--purpose", "customer_support"),
        *("--note", "Nhầm"),
    )
    assert ran.code == 1
    assert ran.err.startswith("409 CONFLICT")
