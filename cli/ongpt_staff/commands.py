"""The commands: one per staff route of API.md, declared as data. A new route is one more
``Command`` here (its arguments say where each goes: path, query or body)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

PURPOSES = ("customer_support", "contract_delivery", "complaint_resolution", "legal_request")
COMPLAINT_STATUSES = ("OPEN", "IN_PROGRESS", "RESOLVED", "REJECTED")
DATA_CATEGORIES = ("contact", "profile", "contracts", "complaints", "consents")


@dataclass(frozen=True)
class Arg:
    """One value of the request: ``name`` is the API's own name for it."""

    name: str
    help: str
    where: Literal["path", "query", "body"] = "body"
    required: bool = False
    choices: tuple[str, ...] | None = None
    positional: bool = False  # path values always are
    many: bool = False  # a list: the option is repeated
    switch: bool = False  # a yes/no option, sent as ``true`` when given
    default: str | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Command:
    group: str
    name: str
    summary: str  # completes "your role may not ..."
    method: str
    path: str  # API.md's path, ``{name}`` for path values
    args: tuple[Arg, ...]
    example: str
    rows: str | None = None  # the answer's list, shown as a table of ``columns``
    columns: tuple[str, ...] = ()
    problem: Callable[[dict[str, Any]], str | None] | None = None  # a 2xx answer that is bad news

    @property
    def title(self) -> str:
        return f"{self.group} {self.name}"


def _audit_problem(answer: dict[str, Any]) -> str | None:
    verification = answer.get("verification") or {}
    if verification.get("valid", True):
        return None
    bad = verification.get("first_bad") or {}
    return (
        f"the audit chain does NOT verify: entry {bad.get('sequence')} is {bad.get('reason')} "
        "(see docs/runbooks.md, AuditChainsBroken)"
    )


PURPOSE = Arg("purpose", "why you look (API.md)", required=True, choices=PURPOSES)
CUSTOMER_ID = Arg("customer_id", "the customer's id", required=True)

COMMANDS: tuple[Command, ...] = (
    Command(
        "customers",
        "search",
        "look customers up",
        "POST",
        "/v1/staff/customers/search",
        (
            Arg("email", "the exact email address (case does not matter)"),
            Arg("phone", "the exact phone number, any common format"),
            PURPOSE,
        ),
        "ongpt-staff --role support customers search --email an@example.com "
        "--purpose customer_support",
    ),
    Command(
        "customers",
        "show",
        "read customer profiles",
        "GET",
        "/v1/staff/customers/{customer_id}",
        (
            Arg("customer_id", "the customer's id", where="path"),
            Arg("purpose", PURPOSE.help, where="query", required=True, choices=PURPOSES),
            Arg("reveal", "the clear values instead of masked ones", where="query", switch=True),
        ),
        "ongpt-staff --role support customers show CUSTOMER_ID --purpose customer_support --reveal",
    ),
    Command(
        "edit-requests",
        "list",
        "see the edit-request queue",
        "GET",
        "/v1/staff/edit-requests",
        (Arg("status", "the queue", where="query", default="PENDING_REVIEW"),),
        "ongpt-staff --role support edit-requests list",
        rows="edit_requests",
        columns=("edit_request_id", "customer_id", "created_at", "changes"),
    ),
    Command(
        "edit-requests",
        "decide",
        "decide edit requests",
        "POST",
        "/v1/staff/edit-requests/{edit_request_id}/decision",
        (
            Arg("edit_request_id", "the request's id", where="path"),
            Arg(
                "decision",
                "approve or reject",
                required=True,
                positional=True,
                choices=("approve", "reject"),
            ),
            Arg("note", "why (kept with the decision)"),
        ),
        "ongpt-staff --role support edit-requests decide REQUEST_ID approve --note 'ID checked'",
    ),
    Command(
        "contracts",
        "create",
        "create contracts",
        "POST",
        "/v1/staff/contracts",
        (
            CUSTOMER_ID,
            Arg("plan", "the plan's name", required=True),
            Arg("starts_at", "RFC 3339 UTC, e.g. 2026-12-01T00:00:00Z", required=True),
            Arg("expires_at", "RFC 3339 UTC", required=True),
            Arg("reference", "your reference (optional)"),
        ),
        "ongpt-staff --role support contracts create --customer-id ID --plan pro "
        "--starts-at 2026-12-01T00:00:00Z --expires-at 2027-12-01T00:00:00Z",
    ),
    Command(
        "contracts",
        "renew",
        "renew contracts",
        "POST",
        "/v1/staff/contracts/{contract_id}/renewal",
        (
            Arg("contract_id", "the contract's id", where="path"),
            Arg("expires_at", "the new end, RFC 3339 UTC", required=True),
        ),
        "ongpt-staff --role support contracts renew CONTRACT_ID --expires-at 2028-12-01T00:00:00Z",
    ),
    Command(
        "announcements",
        "send",
        "send announcements",
        "POST",
        "/v1/staff/announcements",
        (
            Arg(
                "kind",
                "service_change: every active customer; product_update: those who consented",
                required=True,
                choices=("product_update", "service_change"),
            ),
            Arg("title", "the subject line", required=True),
            Arg("body", "the text", required=True),
        ),
        "ongpt-staff --role admin announcements send --kind service_change --title 'Bảo trì' "
        "--body 'Dịch vụ tạm dừng 02:00-03:00.'",
    ),
    Command(
        "complaints",
        "list",
        "see the complaint queues",
        "GET",
        "/v1/staff/complaints",
        (Arg("status", "the queue", where="query", choices=COMPLAINT_STATUSES, default="OPEN"),),
        "ongpt-staff --role support complaints list --status IN_PROGRESS",
        rows="complaints",
        columns=("complaint_id", "created_at", "category", "subject", "contact"),
    ),
    Command(
        "complaints",
        "update",
        "move complaints",
        "PATCH",
        "/v1/staff/complaints/{complaint_id}",
        (
            Arg("complaint_id", "the complaint's id", where="path"),
            Arg("status", "the new status", required=True, choices=COMPLAINT_STATUSES[1:]),
            Arg("resolution", "required to resolve or reject; the complainant is told it"),
        ),
        "ongpt-staff --role support complaints update COMPLAINT_ID --status RESOLVED "
        "--resolution 'Refunded on 2026-12-01.'",
    ),
    Command(
        "disclosures",
        "create",
        "record disclosures",
        "POST",
        "/v1/staff/disclosures",
        (
            CUSTOMER_ID,
            Arg("recipient", "who receives the data (a slug, e.g. partner-x)", required=True),
            Arg(
                "legal_basis",
                "consent (the customer's) or legal_obligation",
                required=True,
                choices=("consent", "legal_obligation"),
            ),
            Arg("authority_reference", "the authority's reference (legal_obligation)"),
            Arg(
                "data_categories",
                "what is disclosed (repeat the option)",
                required=True,
                many=True,
                choices=DATA_CATEGORIES,
            ),
            Arg("confidential_until", "hidden from the customer until this date or time"),
        ),
        "ongpt-staff --role compliance disclosures create --customer-id ID --recipient police-hn "
        "--legal-basis legal_obligation --authority-reference 'CV 123/2026' "
        "--data-categories contact",
    ),
    Command(
        "accounts",
        "reactivate",
        "reactivate closing accounts",
        "POST",
        "/v1/staff/accounts/{customer_id}/reactivation",
        (
            Arg("customer_id", "the closing customer's id", where="path"),
            PURPOSE,
            Arg("note", "why (sealed, kept with the account)", required=True),
        ),
        "ongpt-staff --role support accounts reactivate CUSTOMER_ID --purpose customer_support "
        "--note 'Khách đổi ý'",
    ),
    Command(
        "legal-holds",
        "place",
        "place legal holds",
        "POST",
        "/v1/staff/legal-holds",
        (
            CUSTOMER_ID,
            Arg("authority_reference", "the authority's reference", required=True),
            Arg("reason", "why (sealed under the customer's key)", required=True),
            Arg("until", "the hold ends at this date or time (optional)"),
        ),
        "ongpt-staff --role compliance legal-holds place --customer-id ID "
        "--authority-reference 'TA-7/2026' --reason 'Vụ án đang điều tra'",
    ),
    Command(
        "legal-holds",
        "list",
        "see legal holds",
        "GET",
        "/v1/staff/legal-holds",
        (Arg("customer_id", "the customer's id", where="query", required=True, positional=True),),
        "ongpt-staff --role compliance legal-holds list CUSTOMER_ID",
        rows="holds",
        columns=("hold_id", "status", "created_at", "until", "authority_reference", "reason"),
    ),
    Command(
        "legal-holds",
        "release",
        "release legal holds",
        "POST",
        "/v1/staff/legal-holds/{hold_id}/release",
        (
            Arg("hold_id", "the hold's id", where="path"),
            Arg("note", "why it ends (sealed)", required=True),
        ),
        "ongpt-staff --role compliance legal-holds release HOLD_ID --note 'Vụ án đã xong'",
    ),
    Command(
        "audit",
        "show",
        "read the audit log",
        "GET",
        "/v1/staff/audit",
        (Arg("customer_id", "the customer's id", where="query", required=True, positional=True),),
        "ongpt-staff --role compliance audit show CUSTOMER_ID",
        rows="entries",
        columns=("sequence", "at", "actor", "role", "action", "purpose"),
        problem=_audit_problem,
    ),
)


def request_of(command: Command, values: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The path (with its query) and the JSON body of ``command`` given the parsed values."""
    path = command.path
    query: list[str] = []
    body: dict[str, Any] = {}
    for arg in command.args:
        value = values.get(arg.name)
        if value is None or value is False:
            continue
        if arg.where == "path":
            path = path.replace("{" + arg.name + "}", quote(str(value), safe=""))
        elif arg.where == "query":
            query.append(f"{arg.name}={quote('true' if value is True else str(value), safe='')}")
        else:
            body[arg.name] = value
    if query:
        path += "?" + "&".join(query)
    return path, (body if command.method in ("POST", "PUT", "PATCH") else None)
