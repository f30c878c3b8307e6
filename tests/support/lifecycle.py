"""Steps of the account lifecycle's journeys through the functions in-process (over
``Deployed``): sign-in to the user pool, closure, reactivation, holds, recovery."""

from __future__ import annotations

from typing import Any

import boto3

from tests.support.deployed import Deployed, customer, guest, staff
from tests.support.journeys import code_to, e164

LIFECYCLE = "account_lifecycle"


def pool_of(aws: Deployed) -> tuple[Any, str, str]:
    """A Cognito client, the user pool's id and its app client's id."""
    idp = boto3.client("cognito-idp")
    pool_id = aws.function(LIFECYCLE).environment["USER_POOL_ID"]
    client_id = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=1)["UserPoolClients"][0][
        "ClientId"
    ]
    return idp, pool_id, client_id


def password_sign_in(aws: Deployed, username: str, password: str) -> dict[str, Any]:
    """``USER_PASSWORD_AUTH``: the answer (tokens, or a challenge)."""
    idp, _, client_id = pool_of(aws)
    return idp.initiate_auth(  # type: ignore[no-any-return]
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )


def refresh(aws: Deployed, refresh_token: str) -> dict[str, Any]:
    idp, _, client_id = pool_of(aws)
    return idp.initiate_auth(  # type: ignore[no-any-return]
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )


def cognito_user(aws: Deployed, customer_id: str) -> dict[str, Any]:
    idp, pool_id, _ = pool_of(aws)
    return idp.admin_get_user(UserPoolId=pool_id, Username=customer_id)  # type: ignore[no-any-return]


def lifecycle(
    aws: Deployed, method: str, path: str, who: dict[str, Any], body: Any = None, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    return aws.call(LIFECYCLE, method, path, body=body, identity=who, **kwargs)


def close(aws: Deployed, customer_id: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """The customer closes their account (its notices are delivered after the call, unless
    ``deliver`` is false)."""
    return lifecycle(
        aws, "POST", "/v1/me/closure", customer(customer_id), {"reason": "Không dùng nữa"}, **kwargs
    )


def reactivate(
    aws: Deployed, customer_id: str, role: str = "Support", **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    return lifecycle(
        aws,
        "POST",
        f"/v1/staff/accounts/{customer_id}/reactivation",
        staff(role),
        {"purpose": "customer_support", "note": "Khách gọi điện xin mở lại"},
        **kwargs,
    )


def place_hold(aws: Deployed, customer_id: str, role: str = "Compliance") -> tuple[int, Any]:
    return lifecycle(
        aws,
        "POST",
        "/v1/staff/legal-holds",
        staff(role),
        {"customer_id": customer_id, "authority_reference": "BCA-2026/117", "reason": "Điều tra"},
    )


def holds(aws: Deployed, customer_id: str, role: str = "Compliance") -> tuple[int, Any]:
    return lifecycle(
        aws, "GET", "/v1/staff/legal-holds", staff(role), query={"customer_id": customer_id}
    )


def start_recovery(aws: Deployed, email: str, phone: str, **kwargs: Any) -> tuple[int, Any]:
    return lifecycle(
        aws, "POST", "/v1/recoveries", guest(), {"email": email, "phone": phone}, **kwargs
    )


def verify_recovery(
    aws: Deployed, recovery_id: str, email: str, phone: str, **changes: Any
) -> tuple[int, Any]:
    body = {"email_code": code_to(aws, email), "phone_code": code_to(aws, e164(phone)), **changes}
    return lifecycle(aws, "POST", f"/v1/recoveries/{recovery_id}/verification", guest(), body)
