"""The HTTP layer shared by every API function: resolver, error mapping, entry point.

Handlers stay thin: ``app = create_app()``, routes that call one domain function, and
``lambda_handler = entrypoint(app, ENVIRONMENT)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from ongpt.platform import access
from ongpt.platform.caller import Forbidden, caller
from ongpt.platform.errors import (
    DependencyUnavailable,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from ongpt.platform.idempotency import CONFIG as IDEMPOTENCY
from ongpt.platform.idempotency import idempotency_key, once
from ongpt.platform.models import ErrorBody, Refusal
from ongpt.platform.settings import Variable, require
from ongpt.platform.telemetry import logger, metrics

MAX_BODY_BYTES = 16 * 1024
# No request of API.md nests deeper than 4; Python's JSON parser recurses per level and fails
# (RecursionError) near 1,000, which 16 KiB of brackets reaches.
MAX_JSON_DEPTH = 32

# What any route may answer besides its own errors: bad input, refused (by IAM at the gateway or by
# the handler), throttled (gateway, WAF or a limit of ours), a dependency down after retries.
EVERY_ROUTE_ERRORS = (400, 403, 429, 503)
# API Gateway answers these itself, in its own shape, before any handler runs.
GATEWAY_STATUSES = (403, 413, 429)

# An identifier or name in a path: opaque, at most 64 characters (longer is a 400, not a lookup).
PathId = Annotated[str, Path(min_length=1, max_length=64)]

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _error_body(error: ServiceError) -> str:
    """The contract's error body: ``{"error": {"code", "message", "fields"?}}``."""
    body: dict[str, Any] = {"code": error.code, "message": error.message, **error.details}
    if isinstance(error, ValidationFailed):
        body["fields"] = error.fields
    return json.dumps({"error": body}, ensure_ascii=False)


def error_response(error: ServiceError) -> Response[str]:
    return Response(
        status_code=error.status, content_type="application/json", body=_error_body(error)
    )


def _field_name(location: tuple[Any, ...]) -> str:
    """``("body", "contact", "email")`` -> ``contact.email``; the body itself -> ``body``."""
    parts = [str(part) for part in location[1:] if not isinstance(part, int)]
    return ".".join(parts) or str(location[0])


def validation_error(exc: RequestValidationError) -> ValidationFailed:
    """Powertools' validation failure as the contract's 400, naming fields, never values."""
    fields = [
        {"field": _field_name(tuple(err.get("loc", ("body",)))), "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    return ValidationFailed("The request is not valid.", fields)


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _unreadable(event: dict[str, Any]) -> ValidationFailed | None:
    """A body over 16 KiB, one API Gateway passed base64-encoded that is not UTF-8 text, or one
    nested deeper than any request of API.md is refused before any parsing (API.md,
    Conventions: never a 5xx for bad input)."""
    body = event.get("body") or ""
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else None
        text = body if raw is None else raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ValidationFailed(
            "The request body is not UTF-8 JSON.", [{"field": "body", "message": "not UTF-8"}]
        )
    if len(text.encode("utf-8")) > MAX_BODY_BYTES:
        return ValidationFailed(
            "The request body is larger than 16 KiB.",
            [{"field": "body", "message": f"at most {MAX_BODY_BYTES} bytes"}],
        )
    if json_depth(text) > MAX_JSON_DEPTH:
        return ValidationFailed(
            "The request body nests too deeply.",
            [{"field": "body", "message": f"at most {MAX_JSON_DEPTH} levels of nesting"}],
        )
    return None


def _not_allowed(event: dict[str, Any]) -> Forbidden | None:
    """API.md's principal table, checked again before anything else (defence in depth): a caller
    whose role may not invoke the route gets 403 here even if IAM were mis-scoped."""
    try:
        who = caller(event)
    except Forbidden as refused:
        return refused
    if access.allows(who.principal, event.get("httpMethod") or "", event.get("path") or ""):
        return None
    return Forbidden("This caller may not use this route.")


def create_app() -> APIGatewayRestResolver:
    """A validating REST resolver that answers every failure in the contract's error shape."""
    app = APIGatewayRestResolver(enable_validation=True)

    # Powertools' decorators are untyped; the handlers' signatures are checked here.
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(exc: RequestValidationError) -> Response[str]:
        return error_response(validation_error(exc))

    @app.exception_handler([ClientError, BotoCoreError])  # type: ignore[untyped-decorator]
    def _dependency_failed(exc: ClientError | BotoCoreError) -> Response[str]:
        code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
        logger.error("dependency failed after retries", extra={"aws_error": code})
        return error_response(DependencyUnavailable("Please try again shortly."))

    @app.not_found
    def _no_route(_exc: Exception) -> Response[str]:
        # API Gateway matched a route the resolver cannot (e.g. a path id with control characters).
        return error_response(NotFound("Not found."))

    @app.exception_handler(ServiceError)  # type: ignore[untyped-decorator]
    def _service_error(exc: ServiceError) -> Response[str]:
        if exc.status >= 500:
            logger.warning("request failed", extra={"error_code": exc.code})
        return error_response(exc)

    return app


def entrypoint(
    app: APIGatewayRestResolver, environment: Sequence[Variable[object]]
) -> LambdaHandler:
    """The Lambda handler for ``app``: correlation id, cold-start metric, flushed metrics. Fails
    at once (the function's initialisation) if ``environment`` is incomplete."""
    require(environment)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        IDEMPOTENCY.register_lambda_context(context)
        refused = _not_allowed(event) or _unreadable(event)
        if refused is not None:
            response = {
                "statusCode": refused.status,
                "headers": {"Content-Type": "application/json"},
                "body": _error_body(refused),
                "isBase64Encoded": False,
            }
        else:
            response = app.resolve(event, context)
        logger.info(
            "request handled",
            extra={
                "route": f"{event.get('httpMethod')} {event.get('resource')}",
                "status": response["statusCode"],
                "caller_kind": _caller_kind(event),
            },
        )
        return response

    return cast(LambdaHandler, lambda_handler)


def _caller_kind(event: dict[str, Any]) -> str:
    try:
        return caller(event).kind
    except ServiceError:
        return "unknown"


def documented(status: int, body: type[BaseModel], *errors: int) -> dict[int, OpenAPIResponse]:
    """A route's responses for the OpenAPI document: its success (``body``) and its errors,
    beyond those of every route, in the contract's error shape."""
    success: OpenAPIResponse = {
        "description": "Success",
        "content": {"application/json": {"model": body}},
    }
    documented_errors: dict[int, OpenAPIResponse] = {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {
                "application/json": {"model": Refusal if code in GATEWAY_STATUSES else ErrorBody}
            },
        }
        for code in sorted({*EVERY_ROUTE_ERRORS, *errors})
    }
    return {status: success, **documented_errors}


def json_response(status: int, body: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False),
    )


def idempotent(
    app: APIGatewayRestResolver,
    scope: str,
    payload: Any,
    operation: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run a POST once per caller, route and ``Idempotency-Key`` (when the client sends one)."""
    event = app.current_event
    who = caller(event.raw_event)
    return once(idempotency_key(event.headers), f"{who.kind}:{who.id}|{scope}", payload, operation)
