"""Who is calling, from what API Gateway put in ``requestContext.identity`` (never from input).

Only callers of this deployment are recognised: identities of its own identity pool, and roles
of the account that owns the API (``requestContext.accountId``, "the API owner's AWS account ID";
``identity.accountId``, the caller's: API Gateway, "Variables for data transformations",
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html).
The API's resource policy already refuses everyone else (``infra/gateway.py``); this is the same
rule again where the caller is named (defence in depth).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ongpt.platform.access import STAFF_ROLES
from ongpt.platform.errors import ServiceError

_CUSTOMER = re.compile(r":CognitoSignIn:(?P<sub>[0-9a-fA-F-]{36})$")
_STAFF = re.compile(
    r"^arn:aws:sts::\d{12}:assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)$"
)


class Forbidden(ServiceError):
    status = 403
    code = "FORBIDDEN"


@dataclass(frozen=True)
class Caller:
    kind: str  # guest | customer | staff
    id: str  # identity id, customer id (the user-pool sub) or staff member
    role: str | None = None  # support | compliance | admin

    @property
    def principal(self) -> str:
        """The row of API.md's principal table: guest, customer or the staff member's role."""
        return self.role or self.kind


def caller(event: dict[str, Any], identity_pool_id: str) -> Caller:
    """The caller of ``event``: a guest or customer of the identity pool ``identity_pool_id``, or
    a member of staff in a staff role of the API's own account; anyone else is ``Forbidden``.

    A staff member's id is the role session's name, which the staff roles' trust policies make
    the person's own user name, whether they come from an IAM user or from IAM Identity Center
    (``infra/identity.py``)."""
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    account = context.get("accountId")
    if not account or identity.get("accountId") != account:
        raise Forbidden("The caller is not of this deployment.")
    if identity.get("cognitoIdentityId"):
        return _of_identity_pool(identity, identity_pool_id)
    staff = _STAFF.match(identity.get("userArn") or "")
    if staff and staff.group("role") in STAFF_ROLES:
        return Caller("staff", staff.group("session"), STAFF_ROLES[staff.group("role")])
    raise Forbidden("The caller could not be identified.")


def _of_identity_pool(identity: dict[str, Any], identity_pool_id: str) -> Caller:
    """A customer (signed in through the user pool) or a guest of this identity pool."""
    if not identity_pool_id or identity.get("cognitoIdentityPoolId") != identity_pool_id:
        raise Forbidden("The caller is not of this deployment.")
    kind = identity.get("cognitoAuthenticationType")
    if kind == "authenticated":
        match = _CUSTOMER.search(identity.get("cognitoAuthenticationProvider") or "")
        if match:
            return Caller("customer", match.group("sub"))
    elif kind == "unauthenticated":
        return Caller("guest", identity["cognitoIdentityId"])
    raise Forbidden("The caller could not be identified.")
