"""``Idempotency-Key`` on POST routes (API.md, Conventions), with Powertools' idempotency utility.

The key is scoped to the caller, the route template and its path parameters, so two callers
choosing the same key never see each other's answers, nor one request another route's or another
resource's; a retry with the same key and body returns the first answer, the same key with another
body is refused. A record's key starts with the function's name, the prefix its role is limited to
(``dynamodb:LeadingKeys``): no function can read or overwrite another's. Powertools' utility is
imported on the first request that sends a key, not at cold start (with SnapStart, before the
snapshot: ``prime``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ongpt.platform.errors import DependencyUnavailable, ServiceError, ValidationFailed
from ongpt.platform.settings import IDEMPOTENCY_TABLE, SERVICE_NAME

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ongpt.platform.caller import Caller

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 64
# Never part of what a record keeps, not even digested: a retry need not repeat it.
SECRET_FIELDS = frozenset({"password", "new_password"})


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
def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="payload",
        expires_after_seconds=24 * 3600,
        raise_on_no_idempotency_key=True,
    )


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE.value())


def prime() -> None:
    """Before a SnapStart snapshot: the utility imported, its configuration and its table's
    layer (and that layer's client) built; no record read, no request's context registered."""
    _config()
    _persistence()


def idempotency_key(headers: Mapping[str, str] | None) -> str | None:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    key = lowered.get(HEADER)
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(
            "The Idempotency-Key header is not valid.",
            [{"field": "Idempotency-Key", "message": f"1 to {MAX_KEY_LENGTH} characters"}],
        )
    return key


def scope(who: Caller, method: str, template: str, path: Mapping[str, str] | None) -> str:
    """Whose key it is and for what: the caller, the route template and its path parameters."""
    parameters = json.dumps(dict(path or {}), sort_keys=True, ensure_ascii=False)
    return f"{who.kind}:{who.id}|{method} {template}|{parameters}"


def retry_id(key: str | None, scope: str) -> str:
    """An id for what a request creates: the same for every retry of it (same ``key`` and
    ``scope``), so that a retry after a fault finds what its first attempt committed; a new one
    for a request without a key."""
    if key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope}|{key}"))


def _as_json(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A route's arguments as a retry must repeat them: its bodies as JSON, secrets left out."""
    return {
        name: value.model_dump(mode="json", exclude=set(SECRET_FIELDS))
        if isinstance(value, BaseModel)
        else value
        for name, value in arguments.items()
    }


def _digest(scope: str, key: str, arguments: Mapping[str, Any]) -> str:
    """What is stored to tell a retry from another request: a digest keyed by the caller's own
    key and scope, so the personal data in a body cannot be recovered by guessing."""
    canonical = json.dumps(_as_json(arguments), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{scope}|{key}|{canonical}".encode()).hexdigest()


def once(
    key: str | None,
    scope: str,
    arguments: Mapping[str, Any],
    operation: Callable[[], dict[str, Any]],
    context: LambdaContext,
) -> dict[str, Any]:
    """``operation()``, or the result it gave for the same key, scope and arguments."""
    if key is None:
        return operation()
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    config = _config()
    config.register_lambda_context(context)

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=config,
        key_prefix=SERVICE_NAME.value(),
    )
    def _run(request: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001 - the idempotency data
        return operation()

    try:
        request = {"scope": scope, "key": key, "payload": _digest(scope, key, arguments)}
        return _run(request=request)  # type: ignore[no-any-return]
    except IdempotencyValidationError:
        raise KeyReused("This Idempotency-Key was used with another request.") from None
    except IdempotencyAlreadyInProgressError:
        raise InProgress("A request with this Idempotency-Key is in progress.") from None
    except IdempotencyPersistenceLayerError:
        # The idempotency table failed after retries: a 503 like any dependency, not a 5xx crash.
        raise DependencyUnavailable("Please try again shortly.") from None
