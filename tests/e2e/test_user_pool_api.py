"""P2.3, P6.1: a customer's access token (or nobody) calling Cognito's own API at the user pool's
endpoint browsers use is refused exactly what the deployed pool refuses: what the web ACL blocks
(``infra/user_pool_api.py``) and what the pool's settings forbid; sign-in and the app's enrolment
still work."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

from infra.user_pool_api import BLOCKED, TARGET_PREFIX
from local.client import LocalClient
from tests.support.runtime import aws_client


def _call(local_runtime: LocalClient, operation: str, body: dict[str, Any]) -> requests.Response:
    """A raw call of ``operation`` on the user pool's endpoint for browsers, as anyone may."""
    return requests.post(
        f"{local_runtime.api_url}/_local/aws/cognito-idp/",
        json=body,
        headers={
            "X-Amz-Target": TARGET_PREFIX + operation,
            "Content-Type": "application/x-amz-json-1.1",
        },
        timeout=30,
    )


@pytest.mark.clause("P2.3", "P6.1")
def test_what_goes_around_the_service_is_refused_on_cognitos_own_api(
    local_runtime: LocalClient, customer_tokens: dict[str, Any]
) -> None:
    token = customer_tokens["tokens"]["AccessToken"]
    client_id = local_runtime.config["user_pool_client_id"]
    for operation in BLOCKED:
        answer = _call(local_runtime, operation, {"AccessToken": token, "ClientId": client_id})
        assert (answer.status_code, answer.json()["__type"]) == (403, "ForbiddenException"), (
            operation
        )
    idp = boto3.client(
        "cognito-idp",
        region_name=local_runtime.config["region"],
        endpoint_url=f"{local_runtime.api_url}/_local/aws/cognito-idp",
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(idp.exceptions.ForbiddenException):  # what the SDK says to a WAF block
        idp.delete_user(AccessToken=token)
    with pytest.raises(idp.exceptions.NotAuthorizedException):  # edit requests only (P6.1)
        idp.update_user_attributes(
            AccessToken=token, UserAttributes=[{"Name": "email", "Value": "new@example.com"}]
        )
    with pytest.raises(idp.exceptions.NotAuthorizedException):  # the registration API only
        idp.sign_up(ClientId=client_id, Username="x@example.com", Password="correct-Horse-9!")
    idp.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "locale", "Value": "vi"}]
    )
    assert idp.get_user(AccessToken=token)["Username"]
    users = aws_client(local_runtime, "cognito-idp").admin_get_user(
        UserPoolId=local_runtime.config["user_pool_id"], Username=customer_tokens["customer_id"]
    )
    assert {a["Name"]: a["Value"] for a in users["UserAttributes"]}["email"] == (
        customer_tokens["email"].lower()
    )


@pytest.mark.clause("P2.3")
def test_signing_in_as_nobody_is_answered_as_a_wrong_password(
    local_runtime: LocalClient, customer_tokens: dict[str, Any]
) -> None:
    """The app client prevents user existence errors: Cognito answers a sign-in (and a forgotten
    password) for a user that does not exist as it answers a customer's wrong password, so
    nobody learns which accounts exist (moto says "User does not exist.")."""
    client_id = local_runtime.config["user_pool_client_id"]

    def asked(operation: str, username: str) -> dict[str, Any]:
        if operation == "ForgotPassword":
            body: dict[str, Any] = {"ClientId": client_id, "Username": username}
        else:
            flow, parameters = operation.split(":")[1], {"USERNAME": username}
            parameters |= {"SRP_A": "0a"} if flow == "USER_SRP_AUTH" else {"PASSWORD": "Wrong-1x!"}
            body = {"ClientId": client_id, "AuthFlow": flow, "AuthParameters": parameters}
        return _call(local_runtime, operation.split(":")[0], body).json()  # type: ignore[no-any-return]

    for operation in ("InitiateAuth:USER_SRP_AUTH", "InitiateAuth:USER_PASSWORD_AUTH"):
        for nobody in ("+84999000000", "nobody@example.com"):
            assert asked(operation, nobody) == {
                "__type": "NotAuthorizedException",
                "message": "Incorrect username or password.",
            }, (operation, nobody)
    assert asked("InitiateAuth:USER_PASSWORD_AUTH", customer_tokens["email"])["message"] == (
        "Incorrect username or password."
    )
    assert asked("ForgotPassword", "nobody@example.com") == asked(
        "ForgotPassword", customer_tokens["email"]
    )
