"""What customers may do on the user pool through Cognito's own API, around the service.

A customer's access token (or no credentials at all) is enough for Cognito's public operations:
the unauthenticated and token-authorised ones ("Amazon Cognito user pools authenticated and
unauthenticated API operations",
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html). Each is
decided here: allowed (what the privacy centre uses, or changes nothing the service keeps),
refused by Cognito itself (a setting of the pool or app client, ``infra/identity.py``), or blocked
by the user pool's web ACL (``infra/firewall.py``), which inspects exactly these operations (the
"public API operations" that "don't use AWS credentials to authorize": "Associate an AWS WAF web
ACL with a user pool", https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html)
and names each by its ``X-Amz-Target`` header (AWS Security Blog, "Protect your Amazon Cognito
user pool with AWS WAF",
https://aws.amazon.com/blogs/security/protect-your-amazon-cognito-user-pool-with-aws-waf/). The
local runtime's front of the user pool refuses the same operations (``local/user_pool_front.py``).
The operations that need IAM credentials (``Admin*``) are the service's, and no customer's role
may call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

TARGET_PREFIX = "AWSCognitoIdentityProviderService."


class Outcome(Enum):
    ALLOWED = "allowed"
    REFUSED_BY_COGNITO = "refused by Cognito"
    BLOCKED = "blocked by the user pool's web ACL"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    why: str


def _allowed(why: str) -> Decision:
    return Decision(Outcome.ALLOWED, why)


def _refused(why: str) -> Decision:
    return Decision(Outcome.REFUSED_BY_COGNITO, why)


def _blocked(why: str) -> Decision:
    return Decision(Outcome.BLOCKED, why)


_SIGN_OUT = "signs the customer out, as POST /v1/me/sign-out does"
_READ = "reads the customer's own sign-in data, changes nothing"
_APP = "the privacy centre enrols an authenticator app with it; MFA stays required by the pool"
_DEVICES = "remembered devices are not used: one would skip MFA (P2.3)"
_PASSKEYS = "passkeys are a sign-in factor the service does not manage (a recovery keeps them)"
_WRITE_ATTRIBUTES = (
    "the app client writes only locale (WriteAttributes): email and phone change only by edit "
    "requests (P6.1)"
)
_OWN_CODES = (
    "the service proves addresses with its own codes, under its send limits; Cognito's would "
    "text or mail outside them"
)

# Every public operation of the user pool API (botocore's model: auth "none").
PUBLIC_OPERATIONS: dict[str, Decision] = {
    "InitiateAuth": _allowed("sign-in (SRP, password, refresh), then MFA"),
    "RespondToAuthChallenge": _allowed("answers sign-in's challenges (password proof, MFA)"),
    "GetTokensFromRefreshToken": _allowed("renews the tokens, as a refresh by InitiateAuth"),
    "AssociateSoftwareToken": _allowed(_APP),
    "VerifySoftwareToken": _allowed(_APP),
    "SetUserMFAPreference": _allowed(_APP),
    "ChangePassword": _allowed("needs the current password: the customer's own change"),
    "GlobalSignOut": _allowed(_SIGN_OUT),
    "RevokeToken": _allowed(_SIGN_OUT),
    "RevokeUserSession": _allowed(_SIGN_OUT),
    "GetUser": _allowed(_READ),
    "GetUserAuthFactors": _allowed(_READ),
    "GetDevice": _allowed(_READ),
    "ListDevices": _allowed(_READ),
    "ListUserSessions": _allowed(_READ),
    "ListWebAuthnCredentials": _allowed(_READ),
    "UpdateAuthEventFeedback": _allowed(
        "feedback on a sign-in threat protection judged risky; changes no account data"
    ),
    "SignUp": _refused("AllowAdminCreateUserOnly: accounts only by the registration API (P1.2)"),
    "ForgotPassword": _refused(
        "no self-service account recovery (admin_only): it would reset a password by one "
        "address; the service's recovery proves both"
    ),
    "ConfirmForgotPassword": _refused("no reset code is ever sent (ForgotPassword is refused)"),
    "UpdateUserAttributes": _refused(_WRITE_ATTRIBUTES),
    "DeleteUserAttributes": _refused(_WRITE_ATTRIBUTES),
    "DeleteUser": _blocked(
        "would leave an ACTIVE profile with personal data that no closure erases, and break "
        "recovery; closing is POST /v1/me/closure"
    ),
    "GetUserAttributeVerificationCode": _blocked(_OWN_CODES),
    "VerifyUserAttribute": _blocked(_OWN_CODES),
    "ResendConfirmationCode": _blocked(_OWN_CODES),
    "ConfirmSignUp": _blocked("nothing to confirm: accounts are created confirmed by the service"),
    "SetUserSettings": _blocked("legacy MFA settings, around SetUserMFAPreference; unused"),
    "ConfirmDevice": _blocked(_DEVICES),
    "UpdateDeviceStatus": _blocked(_DEVICES),
    "ForgetDevice": _blocked(_DEVICES),
    "StartWebAuthnRegistration": _blocked(_PASSKEYS),
    "CompleteWebAuthnRegistration": _blocked(_PASSKEYS),
    "DeleteWebAuthnCredential": _blocked(_PASSKEYS),
}

# What the user pool's web ACL blocks, by X-Amz-Target (compared case-insensitively).
BLOCKED: tuple[str, ...] = tuple(
    sorted(name for name, d in PUBLIC_OPERATIONS.items() if d.outcome is Outcome.BLOCKED)
)


def blocked(target: str) -> bool:
    """Whether the web ACL blocks a request with this ``X-Amz-Target`` header."""
    return target.lower() in {f"{TARGET_PREFIX}{name}".lower() for name in BLOCKED}
