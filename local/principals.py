"""Who may get local credentials, and what API Gateway will tell handlers about them.

Roles come from the template: the identity pool's role attachment (guest, customer) and the
staff roles by name. Each role's trust policy is evaluated as STS would before credentials are
minted: a guest's or customer's web identity (``cognito-identity.amazonaws.com`` with the pool as
``aud`` and ``amr``), a staff member as the IAM user of that name assuming the role with MFA,
or as the IAM Identity Center user of that name chaining from a session of their permission set
(``via: "sso"``). Guests get the basic flow by default; the enhanced flow's guest credentials
carry the session policy Cognito adds (``local.session_policies``), as on AWS. A customer proves
who they are with a user-pool ID token, whose signature is checked against the pool's published
keys (moto serves them like Cognito).
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

from local import cognito_rules, iam
from local.conditions import Context
from local.credentials import Principal
from local.session_policies import COGNITO_UNAUTHED_IDENTITIES
from local.template import ACCOUNT_ID, Resolver, Template
from ongpt.platform.access import SSO_PERMISSION_SETS, SSO_USER_NAME_TAG

STAFF_ID = re.compile(r"^[\w+=,.@-]{2,64}$")  # an IAM user name that is also a session name
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
SESSION = "CognitoIdentityCredentials"


class BadPrincipal(Exception):
    """The request for credentials names nobody the template knows, or a bad token."""


class Refused(Exception):
    """STS or Cognito would refuse these credentials (a trust policy, the pool's settings)."""


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
        ((_, self.identity_pool),) = self.template.of_type("AWS::Cognito::IdentityPool")
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

    def _role_arn_of(self, role_id: str) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{self.resolver.refs[role_id]}"

    def _assume(
        self,
        role_id: str,
        action: str,
        caller: dict[str, str],
        context: Context,
        refusal: str,
    ) -> None:
        """Refused unless the role's trust policy lets ``caller`` take ``action`` on it."""
        statements = iam.trust_statements(self.template, self.resolver, role_id)
        if iam.decide(statements, action, self._role_arn_of(role_id), context, caller) != "allow":
            raise Refused(refusal)

    def _session_context(self, role_id: str, session: str, mfa: bool) -> dict[str, str]:
        """The IAM context keys of requests made with the role's session."""
        return {
            "aws:PrincipalArn": self._role_arn_of(role_id),
            "aws:PrincipalAccount": ACCOUNT_ID,
            "aws:PrincipalType": "AssumedRole",
            "aws:userid": f"{_role_unique_id(role_id)}:{session}",
            "aws:MultiFactorAuthPresent": str(mfa).lower(),
        }

    def identity_id(self, key: str) -> str:
        """The identity pool's id for the identity named ``key``."""
        return f"{self.template.region()}:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"

    def guest_role_arn(self) -> str:
        return self._role_arn_of(self.guest_role)

    def _cognito(
        self,
        role_id: str,
        amr: list[str],
        provider: str | None,
        key: str,
        session_policy: list[dict[str, Any]] | None = None,
    ) -> Principal:
        """Credentials for an identity of the pool: STS ``AssumeRoleWithWebIdentity`` with the
        identity's OpenID token, whether the caller (basic flow) or Cognito (enhanced) calls it."""
        identity_id = self.identity_id(key)
        self._assume(
            role_id,
            "sts:AssumeRoleWithWebIdentity",
            {"Federated": COGNITO_IDENTITY},
            {
                f"{COGNITO_IDENTITY}:aud": self.identity_pool_id,
                f"{COGNITO_IDENTITY}:sub": identity_id,
                f"{COGNITO_IDENTITY}:amr": amr,
            },
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        )
        authenticated = "authenticated" in amr
        return Principal(
            role_logical_id=role_id,
            user_arn=self._role_arn(role_id, SESSION),
            identity={
                "cognitoIdentityPoolId": self.identity_pool_id,
                "cognitoIdentityId": identity_id,
                "cognitoAuthenticationType": "authenticated"
                if authenticated
                else "unauthenticated",
                "cognitoAuthenticationProvider": provider,
                "userArn": self._role_arn(role_id, SESSION),
                "caller": f"{_role_unique_id(role_id)}:{SESSION}",
                "user": f"{_role_unique_id(role_id)}:{SESSION}",
                "accountId": ACCOUNT_ID,
            },
            session_policy=session_policy,
            context=self._session_context(role_id, SESSION, mfa=False),
        )

    def guest(self, flow: str = "basic", key: str | None = None) -> Principal:
        """An unauthenticated identity (``key`` names it; a new one if None): ``basic`` (GetId,
        GetOpenIdToken, then STS) or ``enhanced`` (GetCredentialsForIdentity, scoped down by
        Cognito's session policy)."""
        if flow not in ("basic", "enhanced"):
            raise BadPrincipal('flow is "basic" (the default) or "enhanced"')
        if not self.identity_pool.get("AllowUnauthenticatedIdentities"):
            raise Refused("Unauthenticated access is not supported for this identity pool.")
        if flow == "basic" and not self.identity_pool.get("AllowClassicFlow"):
            raise Refused("Basic (classic) flow is not enabled for this identity pool.")
        policy = COGNITO_UNAUTHED_IDENTITIES if flow == "enhanced" else None
        return self._cognito(
            self.guest_role, ["unauthenticated"], None, key or f"guest:{uuid.uuid4()}", policy
        )

    def customer(self, id_token: str) -> Principal:
        sub = self._verified_subject(id_token)
        if not cognito_rules.id_token_active(self.template.region(), self.user_pool_id, id_token):
            # The identity pool's server-side token check (local/cognito_rules.py).
            raise Refused("Invalid login token. Token is revoked or its user is disabled.")
        provider_name = f"cognito-idp.{self.template.region()}.amazonaws.com/{self.user_pool_id}"
        provider = f"{provider_name},{provider_name}:CognitoSignIn:{sub}"
        amr = ["authenticated", provider_name, f"{provider_name}:CognitoSignIn:{sub}"]
        return self._cognito(self.customer_role, amr, provider, f"customer:{sub}")

    def staff(
        self,
        role: str,
        staff_id: str,
        session_name: str | None = None,
        *,
        via: str = "iam",
        source_identity: str | None = None,
        permission_set: str | None = None,
    ) -> Principal:
        """Staff member ``staff_id`` assumes the role as ``session_name`` (their own name unless
        given), setting ``source_identity`` if given (not empty): ``via`` ``iam``, the IAM user of
        that name signed in with MFA; ``sso``, the IAM Identity Center user of that name in a
        session of ``permission_set`` (the role's by default), setting their name as the source
        identity unless told otherwise. The trust policy decides, as STS would."""
        role_id = self.staff_roles.get(role.lower())
        session = staff_id if session_name is None else session_name
        if role_id is None or not (STAFF_ID.match(staff_id) and STAFF_ID.match(session)):
            raise BadPrincipal("unknown staff role or invalid staff_id")
        if via == "sso":
            role_name = self.resolver.refs[role_id]
            permission_set = permission_set or SSO_PERMISSION_SETS.get(role_name, role_name)
            source_identity = staff_id if source_identity is None else source_identity
            caller_arn, context = self._identity_center_user(staff_id, permission_set)
        elif via == "iam":
            caller_arn, context = self._iam_user(staff_id)
        else:
            raise BadPrincipal('via is "iam" (the default) or "sso"')
        context["sts:RoleSessionName"] = session
        actions = ["sts:AssumeRole"]
        if source_identity:
            context["sts:SourceIdentity"] = source_identity
            actions.append("sts:SetSourceIdentity")
        for action in actions:  # STS checks each action the call takes
            self._assume(
                role_id,
                action,
                {"AWS": caller_arn},
                context,
                f"User: {caller_arn} is not authorized to perform: {action} on resource: "
                f"{self._role_arn_of(role_id)}",
            )
        session_context = self._session_context(role_id, session, mfa=via == "iam")
        if source_identity:  # present in every request of the session
            session_context["aws:SourceIdentity"] = source_identity
        return Principal(
            role_logical_id=role_id,
            user_arn=self._role_arn(role_id, session),
            identity={
                "userArn": self._role_arn(role_id, session),
                "caller": f"{_role_unique_id(role_id)}:{session}",
                "user": f"{_role_unique_id(role_id)}:{session}",
                "accountId": ACCOUNT_ID,
            },
            context=session_context,
        )

    @staticmethod
    def _iam_user(name: str) -> tuple[str, dict[str, str]]:
        """The IAM user ``name``, signed in with MFA: its ARN and IAM context keys."""
        user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
        return user_arn, {
            "aws:username": name,
            "aws:PrincipalArn": user_arn,
            "aws:PrincipalAccount": ACCOUNT_ID,
            "aws:PrincipalType": "User",
            "aws:MultiFactorAuthPresent": "true",
        }

    def _identity_center_user(self, name: str, permission_set: str) -> tuple[str, dict[str, str]]:
        """The IAM Identity Center user ``name`` in a session of ``permission_set``: the session
        of the set's role ``AWSReservedSSO_<set>_<suffix>`` (path ``/aws-reserved/...``), named
        after the user, with the user's name in the tag Identity Center's attributes for access
        control set (``SSO_USER_NAME_TAG``); its ARN and IAM context keys."""
        suffix = uuid.uuid5(uuid.NAMESPACE_OID, permission_set).hex[:16]
        role = f"AWSReservedSSO_{permission_set}_{suffix}"
        path = f"aws-reserved/sso.amazonaws.com/{self.template.region()}"
        return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{name}", {
            "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{path}/{role}",
            "aws:PrincipalAccount": ACCOUNT_ID,
            "aws:PrincipalType": "AssumedRole",
            "aws:userid": f"{_role_unique_id(role)}:{name}",
            f"aws:PrincipalTag/{SSO_USER_NAME_TAG}": name,
        }

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
            return self.guest(str(body.get("flow", "basic")))
        if isinstance(body.get("id_token"), str):
            return self.customer(body["id_token"])
        if isinstance(body.get("staff_role"), str) and isinstance(body.get("staff_id"), str):
            optional = {
                name: str(body[name])
                for name in ("session_name", "via", "source_identity", "permission_set")
                if body.get(name) is not None
            }
            session = optional.pop("session_name", None)
            return self.staff(body["staff_role"], body["staff_id"], session, **optional)
        raise BadPrincipal(
            'expected {"principal": "guest"[, "flow"]}, {"id_token"} or '
            '{"staff_role", "staff_id"[, "session_name", "via", "source_identity", '
            '"permission_set"]}'
        )
