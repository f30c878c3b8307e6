"""Domain errors. Each names its HTTP status and API error code; the API layer maps them once."""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

# What an AWS call raises when it failed after the SDK's retries: the API answers 503 for these,
# and a job that must go on past one failed delivery catches them without naming botocore.
DEPENDENCY_FAILURES = (ClientError, BotoCoreError)


class ServiceError(Exception):
    """A failure the client is told about, with a stable code (API.md, Conventions)."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None) -> None:
        """``class NotFound(ServiceError, status=404, code="NOT_FOUND")``: the status and code."""
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(ServiceError, status=400, code="VALIDATION_ERROR"):
    """Malformed JSON, wrong types, unknown fields, over-long values: ``fields`` says which."""

    def __init__(self, message: str, fields: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.fields = fields


class InvalidCursor(ServiceError, status=400, code="INVALID_CURSOR"):
    """A page's cursor not given to this caller for this route and query, changed, or no cursor
    at all (API.md v1.2, Pages)."""


class NotFound(ServiceError, status=404, code="NOT_FOUND"):
    """No such resource, or another customer's (never 403: its existence is not told)."""


class DependencyUnavailable(ServiceError, status=503, code="SERVICE_UNAVAILABLE"):
    """An AWS dependency failed after retries; nothing was half-written."""


class PolicyVersionMismatch(ServiceError, status=400, code="POLICY_VERSION_MISMATCH"):
    """The consent names a privacy policy version other than the one in force."""


class InvalidCode(ServiceError, status=400, code="INVALID_CODE"):
    """A wrong one-time code; the details say how many tries remain."""


class WeakPassword(ServiceError, status=400, code="WEAK_PASSWORD"):
    """The password does not meet the user pool's policy."""


class Expired(ServiceError, status=410, code="EXPIRED"):
    """The codes' ten minutes are over."""


class AlreadyRegistered(ServiceError, status=409, code="ALREADY_REGISTERED"):
    """The address belongs to an account, or the registration is already complete."""


class TooManyAttempts(ServiceError, status=429, code="TOO_MANY_ATTEMPTS"):
    """Five wrong codes locked it."""


class Erased(ServiceError, status=410, code="ERASED"):
    """The customer's account was erased (API.md, Erasure): nothing of theirs can be read."""


class AccountClosing(ServiceError, status=403, code="ACCOUNT_CLOSING"):
    """The customer closed the account (API.md, Closure): credentials issued before it may only
    repeat the closure or sign out, until Support reactivates it."""


class TooSoon(ServiceError, status=429, code="TOO_MANY_REQUESTS"):
    """Asked again too soon or too often (a resend within 60 seconds, a sixth complaint in a
    day)."""


class Conflict(ServiceError, status=409, code="CONFLICT"):
    """The resource's state does not allow the change (a final complaint, a decided request)."""


class SignInGone(Conflict):
    """The customer's Cognito user no longer exists: deleted outside the service, which cannot act
    on a sign-in that is not there (staff are alerted: ``SignInsMissing``). A retry finds the
    same; each path decides what it means (``ongpt.customers.accounts``)."""


class ConsentRequired(ServiceError, status=403, code="CONSENT_REQUIRED"):
    """Sharing with a third party the customer has not consented to."""
