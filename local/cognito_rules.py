"""Moto's Cognito user pools made to behave as AWS does where the account lifecycle relies on
it (installed once, in the runtime's process, before moto serves):

- **Tokens belong to the user.** AWS binds tokens to the user (its username, a GUID where the
  email is the sign-in name): a refresh token outlives a change of email, and
  ``AdminUserGlobalSignOut`` by the user's sub revokes it. Moto keeps the name given at sign-in
  (the email) and compares names: a sign-out by sub revoked nothing, and a refresh after a change
  of email failed with an internal error. Here tokens are issued to the user's username.
- **ID tokens after sign-out.** AWS revokes refresh tokens, and access tokens for Cognito's own
  APIs; an identity pool with ``ServerSideTokenCheck`` (CDK's default, ours) also refuses the
  user's ID tokens in ``GetId``; other ID and access token checks (signature and expiry only)
  accept them until they expire, an hour at most. Moto forgets refresh and access tokens only:
  here the ID tokens too, and ``/_local/credentials`` accepts only an ID token the pool still
  knows, of an enabled user (``id_token_active``), as the server-side check does.
- **Removing the authenticator app** (``AdminSetUserMFAPreference``, software token disabled):
  AWS no longer asks for a TOTP code; moto still does for anyone who once verified a token in a
  pool where MFA is required. Here the verified token is forgotten, as the app is.
- **SMS MFA.** AWS texts a code to the user's phone and checks it; moto sends nothing and
  accepts any code. Here a code is texted (through moto's SNS, so the outbox shows it) in the
  pool's ``SmsAuthenticationMessage`` from the template, and checked.
- **SMS before an app's set-up.** AWS asks a user whose SMS MFA is enabled (after a recovery
  removed the app) for an SMS code at sign-in, and so a user with a phone number in a pool where
  SMS MFA is on: ``MFA_SETUP`` is for users with no MFA method to use, and SMS needs only the
  ``phone_number`` ("To set up SMS or email MFA, collect a phone_number or email attribute for
  the user. Then restart the authentication flow",
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html;
  a pool with SMS and TOTP asks users with a phone for SMS, not a set-up:
  https://github.com/aws-amplify/amplify-js/issues/1875). Moto's SRP path
  (``PASSWORD_VERIFIER``) asks anyone without a verified software token to set one up
  (``MFA_SETUP``). Here it asks for SMS, naming the masked number as Cognito does
  (``CODE_DELIVERY_DESTINATION``).
- **One answer per challenge.** AWS refuses an answer to another challenge than the session's
  (a TOTP code where an SMS code was asked); moto accepts any.
- **A user's own address.** AWS raises ``AliasExistsException`` when an email is already the
  alias of *a different* user
  (https://docs.aws.amazon.com/botocore/latest/reference/services/cognito-idp/client/exceptions/AliasExistsException.html);
  moto also when ``AdminUpdateUserAttributes`` sets a user's email to the one it has (as an
  approved change of address does again when its retry finishes it). Here that is no clash.
- **Custom attributes of the schema only.** AWS refuses an ``AdminCreateUser`` that sets a custom
  attribute the pool's schema does not declare (``InvalidParameterException``, "Attributes did
  not conform to the schema: custom:x: Attribute does not exist in the schema.": the errors of
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html,
  the text as Cognito gives it: https://github.com/aws-amplify/amplify-flutter/issues/509);
  moto keeps any. Here it is refused.
- **Authenticator codes** are computed and checked with pyotp (``local.cognito.AppCodes``), here
  as in the clients, instead of moto's own TOTP.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from functools import wraps
from typing import Any

from cryptography.hazmat.primitives.twofactor import InvalidToken
from moto.cognitoidp import models
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
)
from moto.sns.models import sns_backends

from local.cognito import AppCodes
from local.template import ACCOUNT_ID

# Where the user pool's SMS authentication message (from the template, infra/cognito_messages.py)
# takes the code.
CODE_PLACEHOLDER = "{####}"

_issued: dict[str, str] = {}  # session -> the challenge it was given
_sms_codes: dict[str, str] = {}  # session -> the SMS code texted for it
_lock = threading.Lock()
_installed = False


def _user(pool: Any, username: str) -> Any:
    return pool._get_user(username)


def _issued_to_user(issue: Any) -> Any:
    """A token-issuing method of a pool, issuing to the user's username whatever name is given."""

    @wraps(issue)
    def issued(pool: Any, client_id: str, username: str, *args: Any, **kwargs: Any) -> Any:
        user = _user(pool, username)
        return issue(pool, client_id, user.username if user else username, *args, **kwargs)

    return issued


def _sign_out(pool: Any, username: str) -> None:
    """Every refresh, access and ID token of the user, however named, forgotten."""
    user = _user(pool, username)
    for store in (pool.access_tokens, pool.id_tokens):
        for token, (_, name) in list(store.items()):
            if _user(pool, name) is user:
                del store[token]
    for token, held in list(pool.refresh_tokens.items()):
        if held is not None and _user(pool, held[1]) is user:
            pool.refresh_tokens[token] = None


def _phone(user: Any) -> str | None:
    return next((a["Value"] for a in user.attributes if a["Name"] == "phone_number"), None)


def _text_code(backend: Any, session: str) -> str:
    """An SMS MFA challenge: a code to the user's phone in the pool's SMS authentication message,
    as Cognito's SMS role sends it; the number as the challenge names it (all but its last four
    digits masked)."""
    username, pool = backend.sessions[session]
    phone = str(_phone(_user(pool, username)))
    code = f"{secrets.randbelow(10**6):06d}"
    with _lock:
        _sms_codes[session] = code
    sns = sns_backends[ACCOUNT_ID][backend.region_name]
    text = pool.extended_config["SmsAuthenticationMessage"].replace(CODE_PLACEHOLDER, code)
    sns.sms_messages[str(uuid.uuid4())] = (phone, text)
    return "+" + "*" * (len(phone) - 5) + phone[-4:]


def _remember(backend: Any, answer: dict[str, Any]) -> dict[str, Any]:
    challenge, session = answer.get("ChallengeName"), answer.get("Session")
    if challenge and session:
        with _lock:
            _issued[session] = challenge
        if challenge == "SMS_MFA":
            destination = _text_code(backend, session)
            parameters = {
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": destination,
            }
            return {**answer, "ChallengeParameters": parameters}
    return answer


def _sms_before_set_up(backend: Any, answer: dict[str, Any]) -> dict[str, Any]:
    if answer.get("ChallengeName") != "MFA_SETUP" or answer.get("Session") not in backend.sessions:
        return answer
    username, pool = backend.sessions[answer["Session"]]
    user = _user(pool, username)
    if not (user.sms_mfa_enabled or (pool.sms_mfa_config and _phone(user))):
        return answer
    return {**answer, "ChallengeName": "SMS_MFA", "ChallengeParameters": {}}


def _check_answer(session: str, challenge: str, responses: dict[str, str]) -> None:
    with _lock:
        issued, texted = _issued.get(session), _sms_codes.get(session)
    if issued is not None and issued != challenge:
        raise NotAuthorizedError("Invalid session for the user.")
    if challenge == "SMS_MFA" and responses.get("SMS_MFA_CODE") != texted:
        raise CodeMismatchException("Invalid code or auth state for the user.")


def install() -> None:
    """Patch moto's Cognito backend once (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    backend = models.CognitoIdpBackend
    pool = models.CognitoIdpUserPool
    pool.sign_out = _sign_out  # type: ignore[method-assign,assignment]
    for name in ("create_refresh_token", "create_access_token", "create_id_token"):
        setattr(pool, name, _issued_to_user(getattr(pool, name)))

    for name in ("initiate_auth", "admin_initiate_auth"):
        original = getattr(backend, name)

        def started(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            return _remember(self, _original(self, *args, **kwargs))

        setattr(backend, name, wraps(original)(started))

    respond = backend.respond_to_auth_challenge

    @wraps(respond)
    def answered(
        self: Any, session: str, client_id: str, challenge: str, responses: dict[str, str]
    ) -> Any:
        _check_answer(session, challenge, responses)
        answer = respond(self, session, client_id, challenge, responses)
        return _remember(self, _sms_before_set_up(self, answer))

    set_preference = backend.admin_set_user_mfa_preference

    @wraps(set_preference)
    def preferred(
        self: Any, pool_id: str, username: str, software: dict[str, bool], sms: dict[str, bool]
    ) -> None:
        set_preference(self, pool_id, username, software, sms)
        if software and not software.get("Enabled"):
            self.admin_get_user(pool_id, username).token_verified = False

    update = backend.admin_update_user_attributes

    @wraps(update)
    def updated(self: Any, pool_id: str, username: str, attributes: list[dict[str, str]]) -> None:
        own = self.admin_get_user(pool_id, username).attribute_lookup.get("email")
        unchanged = [a for a in attributes if a["Name"] == "email" and a["Value"] == own]
        update(self, pool_id, username, [a for a in attributes if a not in unchanged])

    create = backend.admin_create_user

    @wraps(create)
    def created(
        self: Any, pool_id: str, username: str, action: str, password: str, attributes: Any
    ) -> Any:
        declared = self.describe_user_pool(pool_id).schema_attributes
        undeclared = [
            f"{a['Name']}: Attribute does not exist in the schema."
            for a in attributes or []
            if a["Name"].startswith("custom:") and a["Name"] not in declared
        ]
        if undeclared:
            raise InvalidParameterException(
                "Attributes did not conform to the schema: " + " ".join(undeclared)
            )
        return create(self, pool_id, username, action, password, attributes)

    models.cognito_totp = AppCodes  # type: ignore[attr-defined,assignment]
    models.verify_totp = _check_app_code  # type: ignore[attr-defined,assignment]
    for name, patched in (
        ("admin_create_user", created),
        ("respond_to_auth_challenge", answered),
        ("admin_set_user_mfa_preference", preferred),
        ("admin_update_user_attributes", updated),
    ):
        setattr(backend, name, patched)


def _check_app_code(codes: AppCodes, code: bytes, valid_window: int = 0) -> None:
    """Moto's check of a TOTP code (``InvalidToken`` when it is not the app's now)."""
    if not codes.verify(code.decode(), valid_window=valid_window):
        raise InvalidToken("Supplied TOTP value does not match.")


def id_token_active(region: str, pool_id: str, id_token: str) -> bool:
    """Whether the pool still honours the ID token: not signed out, its user enabled (the
    identity pool's server-side token check)."""
    pool = models.cognitoidp_backends[ACCOUNT_ID][region].user_pools.get(pool_id)
    if pool is None or id_token not in pool.id_tokens:
        return False
    return bool(_user(pool, pool.id_tokens[id_token][1]).enabled)
