"""Who may invoke what: API.md's principal table, the one source for the roles' IAM policies
(``infra/access.py``) and for the handlers' own check of the caller (defence in depth).

A pattern is ``(method, path)``; ``*`` in the method is any method, and ``*`` in a path is any
run of characters, ``/`` included, as in the ``execute-api:Invoke`` resource ARNs it becomes.
"""

from __future__ import annotations

import re
from functools import cache

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
    ("POST", "/v1/recoveries"),
    ("POST", "/v1/recoveries/*"),
    ("POST", "/v1/complaints"),
    ("POST", "/v1/analytics/events"),
)
CUSTOMER: tuple[Pattern, ...] = GUEST + _subtree("/v1/me")
SUPPORT = _staff("customers", "accounts", "edit-requests", "complaints", "contracts")
COMPLIANCE = _staff("customers", "disclosures", "legal-holds", "audit", "complaints")
ADMIN: tuple[Pattern, ...] = (*POLICY, ("*", "/v1/staff/*"))

PRINCIPALS: dict[str, tuple[Pattern, ...]] = {
    "guest": GUEST,
    "customer": CUSTOMER,
    "support": SUPPORT,
    "compliance": COMPLIANCE,
    "admin": ADMIN,
}
# The IAM role names of staff (API.md) and the principal each is.
STAFF_ROLES: dict[str, str] = {"Support": "support", "Compliance": "compliance", "Admin": "admin"}


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def allows(principal: str, method: str, path: str) -> bool:
    """Whether the table lets ``principal`` invoke ``method path`` (an unknown principal: no)."""
    return any(
        _compiled(want_method).fullmatch(method) and _compiled(want_path).fullmatch(path)
        for want_method, want_path in PRINCIPALS.get(principal, ())
    )
