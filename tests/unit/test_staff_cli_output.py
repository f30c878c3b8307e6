"""The staff CLI's words: refusals in the staff member's terms, each field at fault, a failed
audit verification as bad news (exit 3), tables for people."""

from __future__ import annotations

from typing import Any

import pytest

from ongpt_staff.commands import COMMANDS, Command, request_of
from ongpt_staff.output import error_message, for_people


def command(title: str) -> Command:
    return next(c for c in COMMANDS if c.title == title)


@pytest.mark.clause("P5")
def test_iam_refusal_is_what_the_role_may_not_do() -> None:
    iam = {"Message": "User: arn:aws:sts::1:assumed-role/Support/bob is not authorized to ..."}
    assert error_message(command("audit show"), "Support", 403, iam) == (
        "your role (Support) may not read the audit log (refused by IAM)"
    )


@pytest.mark.clause("P5")
def test_an_expired_signature_is_not_blamed_on_the_role() -> None:
    expired = {"message": "Signature expired: 20261125T000000Z is now earlier than ..."}
    assert "may not" not in error_message(command("audit show"), "Admin", 403, expired)


@pytest.mark.clause("P5")
def test_a_refusal_that_is_not_about_the_role_keeps_its_own_words() -> None:
    refused = {"error": {"code": "CONSENT_REQUIRED", "message": "No consent for partner-x."}}
    message = error_message(command("disclosures create"), "Compliance", 403, refused)
    assert message == "403 CONSENT_REQUIRED: No consent for partner-x."


@pytest.mark.clause("P5")
def test_bad_input_lists_each_field() -> None:
    answer: dict[str, Any] = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "The request is not valid.",
            "fields": [
                {"field": "starts_at", "message": "not a time"},
                {"field": "plan", "message": "too long"},
            ],
        }
    }
    assert error_message(command("contracts create"), "Support", 400, answer).splitlines() == [
        "400 VALIDATION_ERROR: The request is not valid.",
        "  starts_at: not a time",
        "  plan: too long",
    ]


@pytest.mark.clause("P5")
def test_an_audit_chain_that_fails_is_bad_news_and_names_the_entry() -> None:
    audit = command("audit show")
    assert audit.problem is not None
    good = {"entries": [], "verification": {"valid": True, "checked": 0}}
    assert audit.problem(good) is None
    bad = {
        "verification": {
            "valid": False,
            "checked": 3,
            "first_bad": {"sequence": 2, "reason": "changed"},
        }
    }
    assert "entry 2 is changed" in str(audit.problem(bad))


@pytest.mark.clause("P5")
def test_a_list_is_a_table_and_the_rest_name_value_lines() -> None:
    answer = {
        "status": "OPEN",
        "complaints": [
            {
                "complaint_id": "c1",
                "reference": "K7M2PQ9X",
                "created_at": "2026-11-25T10:00:00Z",
                "category": "service",
                "subject": "Chậm\nquá",
                "contact": {"email": "k***@example.com"},
            },
        ],
        "next": None,
    }
    header, rule, row, status = for_people(command("complaints list"), answer).splitlines()
    assert header.split() == [
        *("complaint_id", "reference", "created_at", "category", "subject", "contact"),
    ]
    assert set(rule) <= {"-", " "}
    assert "Chậm quá" in row  # no line break inside a table
    assert status.split() == ["status", "OPEN"]  # the last page: nothing more to read


@pytest.mark.clause("P5")
def test_a_page_with_more_after_it_ends_with_the_option_that_reads_it() -> None:
    cursor = "x" * 300  # longer than a table's cell: given whole
    answer = {"holds": [], "next": cursor}
    *_, more = for_people(command("legal-holds list"), answer).splitlines()
    assert more == f"more: the next page is --cursor {cursor}"


@pytest.mark.clause("P5")
def test_every_list_command_takes_a_page_size_and_a_cursor_in_its_query() -> None:
    for listing in (c for c in COMMANDS if c.rows is not None):
        query = {a.name for a in listing.every_arg if a.where == "query"}
        assert {"limit", "cursor"} <= query, listing.title
    path, _ = request_of(
        command("complaints list"), {"status": "OPEN", "limit": "2", "cursor": "a+b/c="}
    )
    assert path == "/v1/staff/complaints?status=OPEN&limit=2&cursor=a%2Bb%2Fc%3D"


@pytest.mark.clause("P5")
def test_values_go_where_the_route_wants_them_encoded() -> None:
    path, body = request_of(
        command("customers show"),
        {"customer_id": "a/b", "purpose": "legal_request", "reveal": True},
    )
    assert path == "/v1/staff/customers/a%2Fb?purpose=legal_request&reveal=true"
    assert body is None
    path, body = request_of(
        command("complaints update"),
        {"complaint_id": "c1", "status": "RESOLVED", "resolution": None},
    )
    assert (path, body) == ("/v1/staff/complaints/c1", {"status": "RESOLVED"})
