"""``Idempotency-Key`` on POST routes (API.md, Conventions), with Powertools' idempotency utility.

The key is scoped to the caller and the route, so two callers choosing the same key never see
each other's responses; a retry with the same key and body returns the first response, the same
key with another body is refused. A record's key starts with the function's name, the prefix its
role is limited to (``dynamodb:LeadingKeys``): no function can read or overwrite another's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from ongpt.platform.errors import DependencyUnavailable, ServiceError, ValidationFailed
from ongpt.platform.settings import IDEMPOTENCY_TABLE, SERVICE_NAME

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 64
CONFIG = IdempotencyConfig(
    event_key_jmespath="[scope, key]",
    payload_validation_jmespath="payload",
    expires_after_seconds=24 * 3600,
    raise_on_no_idempotency_key=True,
)


class KeyReused(ServiceError):
    status = 409
    code = "IDEMPOTENCY_KEY_REUSED"


class InProgress(ServiceError):
    status = 409
    code = "REQUEST_IN_PROGRESS"


def key_pattern(function: str) -> str:
    """The keys of a function's records (Powertools: ``<key_prefix>#<hash>``), as IAM matches."""
    return f"{function}#*"


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE.value())


def idempotency_key(headers: dict[str, str]) -> str | None:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    key = lowered.get(HEADER)
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(
            "The Idempotency-Key header is not valid.",
            [{"field": "Idempotency-Key", "message": f"1 to {MAX_KEY_LENGTH} characters"}],
        )
    return key


def _digest(scope: str, key: str, payload: Any) -> str:
    """What is stored to tell a retry from another request: a digest keyed by the caller's own
    key and scope, so the personal data in a body cannot be recovered by guessing."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{scope}|{key}|{canonical}".encode()).hexdigest()


def once(
    key: str | None, scope: str, payload: Any, operation: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """``operation()``, or the result it gave for the same key, scope and payload."""
    if key is None:
        return operation()

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=CONFIG,
        key_prefix=SERVICE_NAME.value(),
    )
    def _run(request: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001 - the idempotency data
        return operation()

    try:
        request = {"scope": scope, "key": key, "payload": _digest(scope, key, payload)}
        return _run(request=request)  # type: ignore[no-any-return]
    except IdempotencyValidationError:
        raise KeyReused("This Idempotency-Key was used with another request.") from None
    except IdempotencyAlreadyInProgressError:
        raise InProgress("A request with this Idempotency-Key is in progress.") from None
    except IdempotencyPersistenceLayerError:
        # The idempotency table failed after retries: a 503 like any dependency, not a 5xx crash.
        raise DependencyUnavailable("Please try again shortly.") from None
