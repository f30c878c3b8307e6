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
# The routes on which a customer acts as the account's holder (their data, their requests, a
# complaint filed under the account): refused once the account is closing or erased, whatever
# credentials the caller still holds (API.md, Closure: sign-in disabled, sessions revoked; the
# identity pool's credentials live up to an hour). A closing account may still repeat its closure
# and sign out.
AS_ACCOUNT_HOLDER: tuple[Pattern, ...] = (*_subtree("/v1/me"), ("POST", "/v1/complaints"))
WHILE_CLOSING: tuple[Pattern, ...] = (("POST", "/v1/me/closure"), ("POST", "/v1/me/sign-out"))

# The IAM role names of staff (API.md) and the principal each is.
STAFF_ROLES: dict[str, str] = {"Support": "support", "Compliance": "compliance", "Admin": "admin"}
# Staff who sign in with IAM Identity Center reach a staff role from the permission set named here
# (its role in the account is ``AWSReservedSSO_<name>_<suffix>``), their own Identity Center user
# name passed as a session tag by Identity Center's attributes for access control
# (``SSO_USER_NAME_TAG`` = ``${path:userName}``): infra/identity.py, README (Deploying).
SSO_PERMISSION_SETS: dict[str, str] = {role: f"OnGptAccounts{role}" for role in STAFF_ROLES}
SSO_USER_NAME_TAG = "userName"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def matches(patterns: tuple[Pattern, ...], method: str, path: str) -> bool:
    """Whether ``method path`` is one of ``patterns``."""
    return any(
        _compiled(want_method).fullmatch(method) and _compiled(want_path).fullmatch(path)
        for want_method, want_path in patterns
    )


def allows(principal: str, method: str, path: str) -> bool:
    """Whether the table lets ``principal`` invoke ``method path`` (an unknown principal: no)."""
    return matches(PRINCIPALS.get(principal, ()), method, path)
