"""A Cognito user-pool client for people and tests: enrol a TOTP authenticator, sign in with it.

Moto difference: real Cognito answers the first sign-in of a user without MFA, in a pool where
MFA is required, with an ``MFA_SETUP`` challenge; moto issues tokens. ``enrol_totp`` handles
both, so the same code works against AWS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import pyotp

T = TypeVar("T")


class AppCodes(pyotp.TOTP):
    """An authenticator app's codes for a secret (RFC 6238: SHA-1, six digits, 30 seconds), as
    Cognito's apps show them. Cognito's secrets are 32+ characters; moto's fixed
    ``asdfasdfasdf`` decodes to 60 bits, fewer than the 112 pyotp asks for by default (NIST SP
    800-63B), so the minimum is lowered the way pyotp documents (``min_secret_length_bits``)."""

    min_secret_length_bits = 56


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app for ``secret`` shows now (or at ``at``)."""
    return AppCodes(secret).at(time.time() if at is None else at)


def totp_code_to_type(secret: str, seconds_left: float = 10.0) -> str:
    """The code an authenticator app shows once at least ``seconds_left`` of its 30-second
    window remain: as a person who sees the code about to change waits for the next one. For a
    code typed into a page, which cannot be typed again if the window ends on its way."""
    left = 30 - time.time() % 30
    if left < seconds_left:
        time.sleep(left)
    return totp_code(secret)


class UserPoolClient:
    def __init__(self, config: dict[str, Any]) -> None:
        self.client_id = config["user_pool_client_id"]
        self.idp = boto3.client(
            "cognito-idp",
            region_name=config["region"],
            endpoint_url=config.get("aws_endpoint"),
        )

    def _password_auth(self, username: str, password: str) -> dict[str, Any]:
        answer = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return dict[str, Any](answer)

    def enrol_totp(self, username: str, password: str) -> str:
        """Set up an authenticator app as the user's MFA; returns its secret."""
        first = self._password_auth(username, password)
        if first.get("ChallengeName") == "MFA_SETUP":  # AWS
            session = first["Session"]
            secret = self.idp.associate_software_token(Session=session)["SecretCode"]
            verified = self.idp.verify_software_token(Session=session, UserCode=totp_code(secret))
            self.idp.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="MFA_SETUP",
                Session=verified["Session"],
                ChallengeResponses={"USERNAME": username},
            )
            return str(secret)
        token = first["AuthenticationResult"]["AccessToken"]  # moto: tokens without MFA
        secret = self.idp.associate_software_token(AccessToken=token)["SecretCode"]
        self.idp.verify_software_token(AccessToken=token, UserCode=totp_code(secret))
        self.idp.set_user_mfa_preference(
            AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        return str(secret)

    def sign_in(self, username: str, password: str, code: str) -> dict[str, Any]:
        """Password, then the TOTP challenge; the tokens (``IdToken``...) on success."""
        challenge = self._password_auth(username, password)
        if challenge.get("ChallengeName") != "SOFTWARE_TOKEN_MFA":
            raise RuntimeError(f"expected a TOTP challenge, got {challenge.get('ChallengeName')}")
        answer = self.idp.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
        )
        return dict[str, Any](answer["AuthenticationResult"])

    def sign_in_with_app(self, username: str, password: str, secret: str) -> dict[str, Any]:
        """``sign_in`` with the code an authenticator app for ``secret`` shows."""
        return self._in_one_window(lambda: self.sign_in(username, password, totp_code(secret)))

    def enrol_app(self, username: str, password: str) -> str:
        """``enrol_totp``, which verifies the app's code, in one window: its secret."""
        return self._in_one_window(lambda: self.enrol_totp(username, password))

    def _in_one_window(self, call: Callable[[], T]) -> T:
        """``call``, which gives the pool a TOTP code it computes, made again once if the code's
        30-second window ended before the pool checked it (a loaded machine): as a person would,
        with the code the app shows now."""
        try:
            return call()
        except self.idp.exceptions.CodeMismatchException:
            return call()
