"""The customer's sign-in identity in the Cognito user pool (P1.2, P2.3).

A customer's Cognito user can disappear outside the service (deleted through Cognito's own API
before its web ACL blocked that, or by an administrator). Every call on a customer's user then
raises ``SignInGone`` (a 409 where a path lets it through, never a 503 that no retry can end),
counts ``SignInsMissing`` (alarmed: docs/runbooks.md) and logs the customer's id; each path
decides what a missing sign-in means for it. The erasure's ``remove`` finds it deleted already.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ongpt.platform.business_metrics import count
from ongpt.platform.errors import AlreadyRegistered, SignInGone, WeakPassword
from ongpt.platform.telemetry import logger
from ongpt.security import normalize

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.client import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

# The registration that made a user: a custom attribute of the user pool's schema, immutable
# (``infra/identity.py``), set only by ``AdminCreateUser``.
MADE_BY = "custom:registration_id"


def _sign_in_name(email: str) -> str:
    """An email as the user pool keeps it, its domain in punycode: it is also where Cognito sends
    its own messages, through SES, which takes only ASCII addresses."""
    return normalize.email_ascii(email)


def _temporary_password() -> str:
    """Never used to sign in: replaced at once by the customer's own password."""
    alphabet = string.ascii_letters + string.digits
    return "Tmp-" + "".join(secrets.choice(alphabet) for _ in range(28)) + "9a!"


class Accounts:
    def __init__(self, idp: CognitoIdentityProviderClient, user_pool_id: str) -> None:
        self._idp, self._pool = idp, user_pool_id

    def create(self, email: str, phone: str, password: str, registration_id: str) -> str:
        """A confirmed user, email and phone verified, with a permanent password, made by the
        registration ``registration_id``; its sub."""
        sub = self._made_by(email, phone, registration_id)
        try:
            self.set_password(sub, password)
        except BaseException:
            self.delete(email)
            raise
        return sub

    def _made_by(self, email: str, phone: str, registration_id: str) -> str:
        """The sub of a new user that names ``registration_id`` (``MADE_BY``), or of the one it
        made before: the SDK sends ``AdminCreateUser`` again when its answer was lost, and that
        call finds the first one's user (``UsernameExistsException``). Any other user of the
        address is ``AlreadyRegistered``."""
        try:
            user = self._idp.admin_create_user(
                UserPoolId=self._pool,
                Username=_sign_in_name(email),
                UserAttributes=[
                    *_proven(email, phone),
                    {"Name": MADE_BY, "Value": registration_id},
                ],
                TemporaryPassword=_temporary_password(),
                MessageAction="SUPPRESS",
            )["User"]
        except ClientError as error:
            if error.response["Error"]["Code"] not in (
                "UsernameExistsException",
                "AliasExistsException",
            ):
                raise
            found = self.find(email)
            if found is None or found.get(MADE_BY) != registration_id:
                raise AlreadyRegistered(
                    "The email address or phone number is already registered."
                ) from None
            return str(found["sub"])
        return str(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))

    def _on_customer(self, call: Callable[..., Any], customer_id: str, **params: Any) -> None:
        """``call`` on the customer's Cognito user (named by its sub, the customer's id), or
        ``SignInGone`` if there is none."""
        try:
            call(UserPoolId=self._pool, Username=customer_id, **params)
        except ClientError as error:
            if error.response["Error"]["Code"] != "UserNotFoundException":
                raise
            count("SignInsMissing")
            logger.warning("the customer's sign-in is missing", extra={"customer_id": customer_id})
            raise SignInGone(
                "The account's sign-in no longer exists (staff are alerted)."
            ) from None

    def require(self, customer_id: str) -> None:
        """Nothing if the customer's Cognito user exists; ``SignInGone`` if not."""
        self._on_customer(self._idp.admin_get_user, customer_id)

    def set_password(self, customer_id: str, password: str) -> None:
        try:
            self._on_customer(
                self._idp.admin_set_user_password, customer_id, Password=password, Permanent=True
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidPasswordException":
                raise WeakPassword("The password does not meet the password policy.") from None
            raise

    def find(self, email: str) -> dict[str, Any] | None:
        """The user's attributes (``sub``, ``phone_number``...) and ``created_at``, if any."""
        try:
            user = self._idp.admin_get_user(UserPoolId=self._pool, Username=_sign_in_name(email))
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                return None
            raise
        return {
            **{a["Name"]: a["Value"] for a in user["UserAttributes"]},
            "created_at": user["UserCreateDate"],
        }

    def change_addresses(self, customer_id: str, *, email: str, phone: str) -> None:
        """The new email and phone sign in (verified: proven by codes); the old ones no longer."""
        try:
            self._on_customer(
                self._idp.admin_update_user_attributes,
                customer_id,
                UserAttributes=_proven(email, phone),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] in (
                "AliasExistsException",
                "UsernameExistsException",
            ):
                raise AlreadyRegistered("The address belongs to another account.") from None
            raise

    def sign_out_everywhere(self, customer_id: str) -> None:
        """Every refresh token of the customer revoked (Cognito global sign-out). Access and ID
        tokens already issued stay valid until they expire (an hour); the identity pool, which
        checks tokens server-side, refuses the ID tokens at once."""
        self._on_customer(self._idp.admin_user_global_sign_out, customer_id)

    def disable(self, customer_id: str) -> None:
        """No sign-in, nor refresh, until enabled again."""
        self._on_customer(self._idp.admin_disable_user, customer_id)

    def enable(self, customer_id: str) -> None:
        self._on_customer(self._idp.admin_enable_user, customer_id)

    def remove_authenticator(self, customer_id: str) -> None:
        """The authenticator app no longer completes MFA: the next sign-in is by SMS, which
        may enrol a new app."""
        self._on_customer(
            self._idp.admin_set_user_mfa_preference,
            customer_id,
            SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        )

    def delete(self, email: str) -> None:
        self._idp.admin_delete_user(UserPoolId=self._pool, Username=_sign_in_name(email))

    def remove(self, customer_id: str) -> None:
        """The customer's sign-in is gone (erasure): deleted now, or already."""
        try:
            self._idp.admin_delete_user(UserPoolId=self._pool, Username=customer_id)
        except ClientError as error:
            if error.response["Error"]["Code"] != "UserNotFoundException":
                raise


def _proven(email: str, phone: str) -> list[AttributeTypeTypeDef]:
    """The sign-in addresses, both marked verified: each was proven by a code."""
    return [
        {"Name": "email", "Value": _sign_in_name(email)},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "phone_number", "Value": phone},
        {"Name": "phone_number_verified", "Value": "true"},
    ]
