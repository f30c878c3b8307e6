"""P2.2, P2.6, P5: what each principal's role may invoke is exactly API.md's principal table."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest

from infra.catalogue import API_FUNCTIONS
from infra.compliance import render
from tests.support.synthesized import resources, role_statements

POLICY = {"GET/v1/policy"}
GUEST = POLICY | {
    "POST/v1/registrations",
    "POST/v1/registrations/*",
    "POST/v1/recoveries",
    "POST/v1/recoveries/*",
    "POST/v1/complaints",
    "POST/v1/analytics/events",
}


def staff(*areas: str) -> set[str]:
    return POLICY | {f"*/v1/staff/{a}{tail}" for a in areas for tail in ("", "/*")}


# API.md, Principals: written out here independently of infra/access.py.
EXPECTED = {
    "guest": GUEST,
    "customer": GUEST | {"*/v1/me", "*/v1/me/*"},
    "Support": staff("customers", "accounts", "edit-requests", "complaints", "contracts"),
    "Compliance": staff("customers", "disclosures", "legal-holds", "audit", "complaints"),
    "Admin": POLICY | {"*/v1/staff/*"},
}


def _role_ids(template_json: dict[str, Any]) -> dict[str, str]:
    (attachment,) = resources(template_json, "AWS::Cognito::IdentityPoolRoleAttachment").values()
    ids = {
        "guest": attachment["Roles"]["unauthenticated"]["Fn::GetAtt"][0],
        "customer": attachment["Roles"]["authenticated"]["Fn::GetAtt"][0],
    }
    for lid, props in resources(template_json, "AWS::IAM::Role").items():
        if props.get("RoleName") in EXPECTED:
            ids[props["RoleName"]] = lid
    return ids


def invocable(template_json: dict[str, Any], principal: str) -> set[str]:
    """``METHOD/path`` patterns the principal's role may invoke on the prod stage."""
    role_id = _role_ids(template_json)[principal]
    patterns = set()
    for statement in role_statements(template_json, role_id):
        if statement["Action"] == "execute-api:Invoke":
            assert statement["Effect"] == "Allow"
            for arn in statement["Resource"]:
                patterns.add(render(arn).split("/prod/", 1)[1])
    return patterns


@pytest.mark.clause("P2.2", "P5")
@pytest.mark.parametrize("principal", sorted(EXPECTED))
def test_role_may_invoke_exactly_its_routes(template_json: dict[str, Any], principal: str) -> None:
    assert invocable(template_json, principal) == EXPECTED[principal]


@pytest.mark.clause("P2.2")
def test_guests_reach_no_customer_or_staff_route(template_json: dict[str, Any]) -> None:
    routes = {f"{r.method}/{r.path.lstrip('/')}" for f in API_FUNCTIONS for r in f.routes}
    patterns = invocable(template_json, "guest")
    reachable = {r for r in routes if any(fnmatchcase(r, p) for p in patterns)}
    assert reachable
    assert not {r for r in reachable if "/v1/me" in r or "/v1/staff" in r}


@pytest.mark.clause("P5")
def test_support_cannot_reach_audit_disclosures_or_announcements(
    template_json: dict[str, Any],
) -> None:
    patterns = invocable(template_json, "Support")
    for route in ("GET/v1/staff/audit", "POST/v1/staff/disclosures", "POST/v1/staff/announcements"):
        assert not any(fnmatchcase(route, p) for p in patterns), route
