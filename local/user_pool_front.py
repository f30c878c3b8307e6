"""The user pool's endpoint for browsers: moto's cognito-idp, with SRP checked as Cognito does,
and the operations the deployed pool refuses refused here too.

Every call is passed to moto unchanged but these:

- An operation the user pool's web ACL blocks (``infra/user_pool_api.py``, the one list the web
  ACL is made from, matched on ``X-Amz-Target`` as it matches): refused with Cognito's
  ``ForbiddenException`` (what the SDKs receive when AWS WAF blocks a request: "Associate an AWS
  WAF web ACL with a user pool").
- ``SignUp`` in a pool that allows administrators only to create users, and ``UpdateUserAttributes``
  or ``DeleteUserAttributes`` of an attribute the token's app client may not write. Moto
  difference: moto allows both; Cognito refuses them with ``NotAuthorizedException``.
- ``InitiateAuth`` with ``USER_SRP_AUTH`` and the ``PASSWORD_VERIFIER`` answer. Moto difference:
  moto accepts any password proof there (``local.srp``), so this front runs the server side of SRP
  itself with the user's password from moto's store (moto runs in this process), refuses a wrong
  proof with Cognito's ``NotAuthorizedException``, and passes a right one on to moto, which then
  asks for MFA (or its set-up) as Cognito would.
- A user that does not exist, where the app client prevents user existence errors
  (``PreventUserExistenceErrors``: ``ENABLED``). Moto difference: moto answers
  ``UserNotFoundException`` ("User does not exist."), which tells anyone which accounts exist;
  Cognito answers the sign-in operations and ``ForgotPassword`` as it answers a wrong password,
  ``NotAuthorizedException`` "Incorrect username or password."
  (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html:
  "a generic authentication failure response to forgot-password requests, and to authentication
  requests with authentication flows except for choice-based authentication (USER_AUTH)").
- ``ConfirmForgotPassword``. Moto difference: moto sets the new password with any code but one of
  its own it did not issue; Cognito only with the code its ``ForgotPassword`` sent. Where the
  pool allows no ``ForgotPassword`` (administrators only; moto refuses it as Cognito does), no
  code is ever right: refused with Cognito's ``CodeMismatchException``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import requests
from moto.cognitoidp.models import cognitoidp_backends

from infra.user_pool_api import TARGET_PREFIX, blocked
from local.srp import Challenge
from local.template import ACCOUNT_ID

BLOCKED_BY_WAF = {"__type": "ForbiddenException", "message": "Request blocked by AWS WAF."}
SIGN_UP_REFUSED = {
    "__type": "NotAuthorizedException",
    "message": "SignUp is not permitted for this user pool",
}
UNWRITABLE = {
    "__type": "NotAuthorizedException",
    "message": "A client attempted to write unauthorized attribute",
}
WRONG_PASSWORD = {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
# The operations whose answer for a user that does not exist is a wrong password's when the app
# client prevents user existence errors (the managing-errors page above).
HIDES_USER_EXISTENCE = {"InitiateAuth", "RespondToAuthChallenge", "ForgotPassword"}
WRONG_CODE = {
    "__type": "CodeMismatchException",
    "message": "Invalid verification code provided, please try again.",
}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class UserPoolFront:
    aws_endpoint: str
    region: str
    user_pool_id: str
    rounds: dict[str, tuple[Challenge, str]] = field(default_factory=dict)  # block: (srp, moto's)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, target: str, body: dict[str, Any]) -> Answer:
        operation = target.removeprefix(TARGET_PREFIX)
        answer = self._answer(target, operation, body)
        if (
            answer.body.get("__type") == "UserNotFoundException"
            and operation in HIDES_USER_EXISTENCE
            and self._hides_user_existence(str(body.get("ClientId")))
        ):
            return Answer(400, WRONG_PASSWORD)
        return answer

    def _answer(self, target: str, operation: str, body: dict[str, Any]) -> Answer:
        if blocked(target):
            return Answer(403, BLOCKED_BY_WAF)
        refused = self._refused_by_cognito(operation, body)
        if refused is not None:
            return Answer(400, refused)
        if operation == "InitiateAuth" and body.get("AuthFlow") == "USER_SRP_AUTH":
            return self._start_srp(body)
        if operation == "RespondToAuthChallenge" and body.get("ChallengeName") == (
            "PASSWORD_VERIFIER"
        ):
            return self._verify_srp(body)
        if operation == "ConfirmForgotPassword" and self._recovery_by_administrators_only():
            return Answer(400, WRONG_CODE)
        return self._moto(target, body)

    def _pool(self) -> Any:
        return cognitoidp_backends[ACCOUNT_ID][self.region].user_pools[self.user_pool_id]

    def _refused_by_cognito(self, operation: str, body: dict[str, Any]) -> dict[str, str] | None:
        """What Cognito refuses by the pool's and the app client's settings and moto does not."""
        pool = self._pool()
        if operation == "SignUp":
            config = pool.extended_config.get("AdminCreateUserConfig") or {}
            return SIGN_UP_REFUSED if config.get("AllowAdminCreateUserOnly") else None
        if operation in ("UpdateUserAttributes", "DeleteUserAttributes"):
            named = [a.get("Name") for a in body.get("UserAttributes") or []]
            named += list(body.get("UserAttributeNames") or [])
            client_id, _ = pool.access_tokens.get(str(body.get("AccessToken")), (None, None))
            client = pool.clients.get(client_id)
            writable = client.extended_config.get("WriteAttributes") if client else None
            if writable is not None and not set(named) <= set(writable):
                return UNWRITABLE
        return None

    def _hides_user_existence(self, client_id: str) -> bool:
        client = self._pool().clients.get(client_id)
        return (
            bool(client) and client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"
        )

    def _recovery_by_administrators_only(self) -> bool:
        setting = self._pool().extended_config.get("AccountRecoverySetting") or {}
        return [m["Name"] for m in setting.get("RecoveryMechanisms", [])] == ["admin_only"]

    def _moto(self, target: str, body: dict[str, Any]) -> Answer:
        """Moto dispatches an unsigned call by its target to us-east-1: a credential scope names
        the pool's region (moto does not check the signature)."""
        scope = f"local/20260101/{self.region}/cognito-idp/aws4_request"
        answer = requests.post(
            self.aws_endpoint + "/",
            data=json.dumps(body),
            headers={
                "X-Amz-Target": target,
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, "
                "Signature=0",
            },
            timeout=30,
        )
        return Answer(answer.status_code, answer.json() if answer.content else {})

    def _start_srp(self, body: dict[str, Any]) -> Answer:
        started = self._moto(TARGET_PREFIX + "InitiateAuth", body)
        if started.status != 200:
            return started
        parameters = started.body["ChallengeParameters"]
        user = self._pool()._get_user(parameters["USER_ID_FOR_SRP"])
        srp_a = str(body.get("AuthParameters", {}).get("SRP_A", ""))
        try:
            challenge = Challenge.start(
                self.user_pool_id, parameters["USER_ID_FOR_SRP"], user.password or "", srp_a
            )
        except ValueError:
            return Answer(400, {"__type": "InvalidParameterException", "message": "SRP_A"})
        with self.lock:
            self.rounds[challenge.secret_block] = (challenge, parameters["SECRET_BLOCK"])
        return Answer(
            200, {**started.body, "ChallengeParameters": {**parameters, **challenge.parameters()}}
        )

    def _verify_srp(self, body: dict[str, Any]) -> Answer:
        responses = dict(body.get("ChallengeResponses") or {})
        with self.lock:
            found = self.rounds.pop(str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK")), None)
        if found is None or not found[0].proven(
            str(responses.get("TIMESTAMP", "")), str(responses.get("PASSWORD_CLAIM_SIGNATURE", ""))
        ):
            return Answer(400, WRONG_PASSWORD)
        responses["PASSWORD_CLAIM_SECRET_BLOCK"] = found[1]  # moto keys its session by its block
        return self._moto(
            TARGET_PREFIX + "RespondToAuthChallenge", {**body, "ChallengeResponses": responses}
        )
