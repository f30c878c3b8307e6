"""Who may get local credentials, and what API Gateway will tell handlers about them.

Roles come from the template: the identity pool's role attachment (guest, customer) and the
staff roles by name. A customer proves who they are with a user-pool ID token, whose signature
is checked against the pool's published keys (moto serves them like Cognito).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from local.credentials import Principal
from local.template import ACCOUNT_ID, Resolver, Template

STAFF_ID = re.compile(r"^[\w+=,.@-]{2,64}$")  # an STS role session name


class BadPrincipal(Exception):
    """The request for credentials names nobody the template knows, or a bad token."""


def _role_unique_id(role_id: str) -> str:
    return "AROA" + uuid.uuid5(uuid.NAMESPACE_OID, role_id).hex[:17].upper()


@dataclass
class Principals:
    template: Template
    resolver: Resolver
    aws_endpoint: str

    def __post_init__(self) -> None:
        ((_, attachment),) = self.template.of_type("AWS::Cognito::IdentityPoolRoleAttachment")
        roles = attachment["Roles"]
        self.identity_pool_id = self.resolver.resolve(attachment["IdentityPoolId"])
        self.guest_role = roles["unauthenticated"]["Fn::GetAtt"][0]
        self.customer_role = roles["authenticated"]["Fn::GetAtt"][0]
        self.staff_roles = {
            props["RoleName"].lower(): logical_id
            for logical_id, props in self.template.of_type("AWS::IAM::Role")
            if "RoleName" in props
        }
        (self.user_pool_id, self.client_id) = self._user_pool()

    def _user_pool(self) -> tuple[str, str]:
        ((_, client),) = self.template.of_type("AWS::Cognito::UserPoolClient")
        (client_id,) = [
            self.resolver.refs[lid]
            for lid, _ in self.template.of_type("AWS::Cognito::UserPoolClient")
        ]
        return self.resolver.resolve(client["UserPoolId"]), client_id

    def _role_arn(self, role_id: str, session: str) -> str:
        return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{self.resolver.refs[role_id]}/{session}"

    def _cognito(
        self, role_id: str, authenticated: bool, provider: str | None, key: str
    ) -> Principal:
        session = "CognitoIdentityCredentials"
        identity_id = f"{self.template.region()}:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"
        return Principal(
            role_logical_id=role_id,
            user_arn=self._role_arn(role_id, session),
            identity={
                "cognitoIdentityPoolId": self.identity_pool_id,
                "cognitoIdentityId": identity_id,
                "cognitoAuthenticationType": "authenticated"
                if authenticated
                else "unauthenticated",
                "cognitoAuthenticationProvider": provider,
                "userArn": self._role_arn(role_id, session),
                "caller": f"{_role_unique_id(role_id)}:{session}",
                "user": f"{_role_unique_id(role_id)}:{session}",
                "accountId": ACCOUNT_ID,
            },
        )

    def guest(self) -> Principal:
        return self._cognito(self.guest_role, False, None, f"guest:{uuid.uuid4()}")

    def customer(self, id_token: str) -> Principal:
        sub = self._verified_subject(id_token)
        provider_name = f"cognito-idp.{self.template.region()}.amazonaws.com/{self.user_pool_id}"
        provider = f"{provider_name},{provider_name}:CognitoSignIn:{sub}"
        return self._cognito(self.customer_role, True, provider, f"customer:{sub}")

    def staff(self, role: str, staff_id: str) -> Principal:
        role_id = self.staff_roles.get(role.lower())
        if role_id is None or not STAFF_ID.match(staff_id):
            raise BadPrincipal("unknown staff role or invalid staff_id")
        return Principal(
            role_logical_id=role_id,
            user_arn=self._role_arn(role_id, staff_id),
            identity={
                "userArn": self._role_arn(role_id, staff_id),
                "caller": f"{_role_unique_id(role_id)}:{staff_id}",
                "user": f"{_role_unique_id(role_id)}:{staff_id}",
                "accountId": ACCOUNT_ID,
            },
        )

    def _verified_subject(self, id_token: str) -> str:
        jwks_url = f"{self.aws_endpoint}/{self.user_pool_id}/.well-known/jwks.json"
        keys = KeySet.import_key_set(requests.get(jwks_url, timeout=10).json())
        try:
            claims = jwt.decode(id_token, keys).claims
            jwt.JWTClaimsRegistry(
                aud={"essential": True, "value": self.client_id},
                token_use={"essential": True, "value": "id"},
                sub={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as exc:
            raise BadPrincipal(f"invalid id_token: {type(exc).__name__}") from None
        if not str(claims.get("iss", "")).endswith(f"/{self.user_pool_id}"):
            raise BadPrincipal("invalid id_token: issuer")
        return str(claims["sub"])

    def from_request(self, body: dict[str, Any]) -> Principal:
        if body.get("principal") == "guest":
            return self.guest()
        if isinstance(body.get("id_token"), str):
            return self.customer(body["id_token"])
        if isinstance(body.get("staff_role"), str) and isinstance(body.get("staff_id"), str):
            return self.staff(body["staff_role"], body["staff_id"])
        raise BadPrincipal(
            'expected {"principal": "guest"}, {"id_token"} or {"staff_role", "staff_id"}'
        )
