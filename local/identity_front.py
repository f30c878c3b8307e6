"""The identity pool and STS endpoints for browsers, as the AWS SDK calls them.

Moto difference: moto's identity pool and STS hand every caller the same credentials, which the
local gateway could not tell apart. These fronts answer the calls a browser makes, in the
services' own protocols, with credentials from ``/_local/credentials``' issuer:

- guests, basic flow: ``GetId``, ``GetOpenIdToken``, then STS ``AssumeRoleWithWebIdentity``
  with the guest role (its trust policy evaluated as STS would);
- customers, enhanced flow: ``GetId`` and ``GetCredentialsForIdentity`` with the user pool's
  ID token in ``Logins`` (its signature checked); a guest's enhanced-flow credentials carry
  Cognito's scope-down session policy, as on AWS.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from local.credentials import CredentialStore, Issued, Principal
from local.principals import COGNITO_IDENTITY, BadPrincipal, Principals, Refused

TARGET_PREFIX = "AWSCognitoIdentityService."
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


class FrontError(Exception):
    """An error answer in the service's words: its ``__type`` (or STS code) and message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _unauthorized(message: str) -> FrontError:
    return FrontError("NotAuthorizedException", message)


@dataclass
class IdentityFront:
    principals: Principals
    credentials: CredentialStore
    region: str
    guests: dict[str, str] = field(default_factory=dict)  # identity id: its principals key
    open_id_tokens: dict[str, str] = field(default_factory=dict)  # token: guest key
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def provider(self) -> str:
        return f"cognito-idp.{self.region}.amazonaws.com/{self.principals.user_pool_id}"

    # cognito-identity (JSON 1.1)
    def call(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        operation = target.removeprefix(TARGET_PREFIX)
        handlers = {
            "GetId": self._get_id,
            "GetOpenIdToken": self._get_open_id_token,
            "GetCredentialsForIdentity": self._get_credentials,
        }
        if operation not in handlers:
            raise FrontError("UnknownOperationException", f"{operation} is not served locally")
        return handlers[operation](body)

    def _customer(self, logins: dict[str, Any]) -> Principal:
        if set(logins) != {self.provider}:
            raise _unauthorized("Invalid login token. Not a valid OpenId Connect identity token.")
        try:
            return self.principals.customer(str(logins[self.provider]))
        except BadPrincipal:
            raise _unauthorized("Invalid login token.") from None
        except Refused as exc:  # revoked, or its user disabled: GetId refuses it too
            raise _unauthorized(str(exc)) from None

    def _get_id(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("IdentityPoolId") != self.principals.identity_pool_id:
            raise FrontError("ResourceNotFoundException", "IdentityPool not found.")
        if body.get("Logins"):
            return {"IdentityId": self._customer(body["Logins"]).identity["cognitoIdentityId"]}
        if not self.principals.identity_pool.get("AllowUnauthenticatedIdentities"):
            raise _unauthorized("Unauthenticated access is not supported for this identity pool.")
        key = f"guest:{uuid.uuid4()}"
        identity_id = self.principals.identity_id(key)
        with self.lock:
            self.guests[identity_id] = key
        return {"IdentityId": identity_id}

    def _guest_key(self, identity_id: str) -> str:
        with self.lock:
            key = self.guests.get(identity_id)
        if key is None:
            raise _unauthorized("Identity not found or not unauthenticated.")
        return key

    def _get_open_id_token(self, body: dict[str, Any]) -> dict[str, Any]:
        """Guests only: customers take the enhanced flow (API.md)."""
        identity_id = str(body.get("IdentityId", ""))
        key = self._guest_key(identity_id)
        if not self.principals.identity_pool.get("AllowClassicFlow"):
            raise FrontError("InvalidParameterException", "Basic (classic) flow is not enabled.")
        token = secrets.token_urlsafe(48)
        with self.lock:
            self.open_id_tokens[token] = key
        return {"IdentityId": identity_id, "Token": token}

    def _get_credentials(self, body: dict[str, Any]) -> dict[str, Any]:
        identity_id = str(body.get("IdentityId", ""))
        try:
            if body.get("Logins"):
                principal = self._customer(body["Logins"])
                if principal.identity["cognitoIdentityId"] != identity_id:
                    raise _unauthorized("Logins don't match the identity.")
            else:
                principal = self.principals.guest("enhanced", self._guest_key(identity_id))
        except Refused as exc:
            raise _unauthorized(str(exc)) from None
        issued = self.credentials.mint(principal)
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": issued.access_key_id,
                "SecretKey": issued.secret_access_key,
                "SessionToken": issued.session_token,
                "Expiration": issued.expiration.timestamp(),
            },
        }

    # STS (query protocol, XML answers)
    def assume_role_with_web_identity(self, form: dict[str, str]) -> str:
        if form.get("Action") != "AssumeRoleWithWebIdentity":
            raise FrontError("InvalidAction", "Only AssumeRoleWithWebIdentity is served locally")
        with self.lock:
            key = self.open_id_tokens.get(form.get("WebIdentityToken", ""))
        if key is None:
            raise FrontError("InvalidIdentityToken", "Couldn't verify the web identity token.")
        if form.get("RoleArn") != self.principals.guest_role_arn():
            raise FrontError(
                "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403
            )
        try:
            issued = self.credentials.mint(self.principals.guest("basic", key))
        except Refused as exc:
            raise FrontError("AccessDenied", str(exc), 403) from None
        return _sts_answer(issued, self.principals.identity_pool_id)


def _sts_answer(issued: Issued, audience: str) -> str:
    principal = issued.principal
    return (
        f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_NAMESPACE}">'
        "<AssumeRoleWithWebIdentityResult>"
        f"<SubjectFromWebIdentityToken>{escape(principal.identity['cognitoIdentityId'])}"
        "</SubjectFromWebIdentityToken>"
        f"<Audience>{escape(audience)}</Audience>"
        f"<AssumedRoleUser><Arn>{escape(principal.user_arn)}</Arn>"
        f"<AssumedRoleId>{escape(principal.identity['caller'])}</AssumedRoleId></AssumedRoleUser>"
        "<Credentials>"
        f"<AccessKeyId>{issued.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{issued.secret_access_key}</SecretAccessKey>"
        f"<SessionToken>{issued.session_token}</SessionToken>"
        f"<Expiration>{issued.expiration.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration>"
        "</Credentials>"
        f"<Provider>{COGNITO_IDENTITY}</Provider>"
        "</AssumeRoleWithWebIdentityResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</AssumeRoleWithWebIdentityResponse>"
    )


def sts_error(error: FrontError) -> str:
    return (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>Sender</Type>'
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
