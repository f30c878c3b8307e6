"""Who may invoke what: API.md's principal table as ``execute-api:Invoke`` grants.

A pattern is ``(method, path)``; ``*`` in the method is any method, and ``/*`` at the end of a
path is anything below it. These become the IAM policies of the guest, customer and staff
roles; the local gateway evaluates the synthesized policies, not this table.
"""

from __future__ import annotations

Pattern = tuple[str, str]

POLICY: tuple[Pattern, ...] = (("GET", "/v1/policy"),)


def _subtree(path: str) -> tuple[Pattern, ...]:
    return (("*", path), ("*", f"{path}/*"))


def _staff(*areas: str) -> tuple[Pattern, ...]:
    return POLICY + tuple(p for area in areas for p in _subtree(f"/v1/staff/{area}"))


GUEST: tuple[Pattern, ...] = (
    *POLICY,
    ("POST", "/v1/registrations"),
    ("POST", "/v1/registrations/*"),
    ("POST", "/v1/complaints"),
    ("POST", "/v1/analytics/events"),
)
CUSTOMER: tuple[Pattern, ...] = GUEST + _subtree("/v1/me")
SUPPORT = _staff("customers", "edit-requests", "complaints", "contracts")
COMPLIANCE = _staff("customers", "disclosures", "audit", "complaints")
ADMIN: tuple[Pattern, ...] = (*POLICY, ("*", "/v1/staff/*"))

# The IAM role names of staff (API.md); handlers read the role from the caller's userArn.
STAFF_ROLES: dict[str, tuple[Pattern, ...]] = {
    "Support": SUPPORT,
    "Compliance": COMPLIANCE,
    "Admin": ADMIN,
}
