"""The check every integration call's answer goes through (``tests/support/contract.py``)
refuses what the committed OpenAPI document does not give."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import contract

PROFILE: dict[str, Any] = {
    "customer_id": "c-1",
    "full_name": "Nguyễn Văn An",
    "email": "an@example.com",
    "phone": "+84967915569",
    "optional": {},
    "status": "ACTIVE",
    "created_at": "2026-11-26T00:00:00Z",
    "updated_at": "2026-11-26T00:00:00Z",
}


NOT_FOUND = {"error": {"code": "NOT_FOUND", "message": "No."}}


def test_a_documented_answer_passes() -> None:
    contract.check("GET", "/v1/me", 200, PROFILE)
    contract.check("GET", "/v1/me", 404, NOT_FOUND)
    contract.check("GET", "/v1/you", 404, NOT_FOUND)  # the router's answer to an unknown path
    contract.check("GET", "/v1/you", 403, {"message": "Missing Authentication Token"})  # API GW's


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "says"),
    [
        ("GET", "/v1/me", 200, {**PROFILE, "pk": "CUSTOMER#c-1"}, "Additional properties"),
        ("GET", "/v1/me", 200, {k: v for k, v in PROFILE.items() if k != "email"}, "'email'"),
        ("GET", "/v1/me", 409, {"error": {"code": "CONFLICT", "message": "x"}}, "not documented"),
        ("GET", "/v1/you", 200, {}, "not in the OpenAPI document, yet 200"),
        ("DELETE", "/v1/me", 200, PROFILE, "not in the OpenAPI document"),
        ("GET", "/v1/you", 404, {"message": "Not found"}, "'error' is a required property"),
    ],
    ids=[
        "an internal attribute",
        "a missing field",
        "a status",
        "a path",
        "a method",
        "a 404 of an unknown path not in the contract's shape",
    ],
)
def test_what_the_document_does_not_give_is_refused(
    method: str, path: str, status: int, body: Any, says: str
) -> None:
    with pytest.raises(AssertionError, match=says):
        contract.check(method, path, status, body)


def test_a_parameter_matches_one_segment_only() -> None:
    with pytest.raises(AssertionError, match="not in the OpenAPI document"):
        contract.check("GET", "/v1/me/edit-requests/a/b", 200, {})


def test_an_account_holders_route_documents_the_erased_account_and_a_guests_does_not() -> None:
    erased = {"error": {"code": "ERASED", "message": "The account was erased."}}
    contract.check("GET", "/v1/me/contracts", 410, erased)
    with pytest.raises(AssertionError, match="not documented"):
        contract.check("GET", "/v1/policy", 410, erased)
