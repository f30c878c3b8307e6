"""Domain errors. Each names its HTTP status and API error code; the API layer maps them once."""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """A failure the client is told about, with a stable code (API.md, Conventions)."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(ServiceError):
    status = 400
    code = "VALIDATION_ERROR"

    def __init__(self, message: str, fields: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.fields = fields


class NotFound(ServiceError):
    status = 404
    code = "NOT_FOUND"


class DependencyUnavailable(ServiceError):
    """An AWS dependency failed after retries; nothing was half-written."""

    status = 503
    code = "SERVICE_UNAVAILABLE"


class PolicyVersionMismatch(ServiceError):
    status = 400
    code = "POLICY_VERSION_MISMATCH"


class InvalidCode(ServiceError):
    status = 400
    code = "INVALID_CODE"


class WeakPassword(ServiceError):
    status = 400
    code = "WEAK_PASSWORD"


class Expired(ServiceError):
    status = 410
    code = "EXPIRED"


class Erased(ServiceError):
    """The customer's account was erased (API.md, Erasure): nothing of theirs can be read."""

    status = 410
    code = "ERASED"


class AlreadyRegistered(ServiceError):
    status = 409
    code = "ALREADY_REGISTERED"


class TooManyAttempts(ServiceError):
    status = 429
    code = "TOO_MANY_ATTEMPTS"


class TooSoon(ServiceError):
    status = 429
    code = "TOO_MANY_REQUESTS"


class Conflict(ServiceError):
    status = 409
    code = "CONFLICT"


class ConsentRequired(ServiceError):
    status = 403
    code = "CONSENT_REQUIRED"
