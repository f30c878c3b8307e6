"""The HTTP layer shared by every API function: resolver, error mapping, entry point.

Handlers stay thin: ``app = create_app()``, routes that are one call into a service, and
``lambda_handler = entrypoint(app, ENVIRONMENT)``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Annotated, Any, ParamSpec, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from ongpt.platform import access, idempotency
from ongpt.platform.caller import Caller, Forbidden, caller
from ongpt.platform.errors import (
    DEPENDENCY_FAILURES,
    AccountClosing,
    DependencyUnavailable,
    Erased,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from ongpt.platform.models import ErrorBody, Refusal
from ongpt.platform.pages import MAX_LIMIT, Cursors, Page, PageRequest
from ongpt.platform.settings import (
    EVERY_API_FUNCTION,
    IDENTITY_POOL_ID,
    SITE_ORIGIN,
    Variable,
    require,
)
from ongpt.platform.telemetry import logger, metrics, traced

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
# A list route's page (API.md v1.2, Pages): its size, and the cursor an answer gave as ``next``.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items in the page (1 to 100).")]
Cursor = Annotated[
    str | None, Query(description="The `next` of the page before, for this route and query.")
]
# Not part of the query a cursor is bound to: a client may change the page's size on the way.
PAGE_PARAMETERS = ("limit", "cursor")

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
# What seals and opens the cursors of list answers (``ongpt.services.cursors``).
CursorsFactory = Callable[[], Cursors]
# The status of a customer's account (``ACTIVE``, ``CLOSING``, ``ERASING``, ``ERASED``), None if
# none is kept.
AccountStatus = Callable[[str], str | None]
# What a route answers: a body (its status 200), or a body and its status.
Body = dict[str, Any] | BaseModel
Answer = Body | tuple[Body, int]
P = ParamSpec("P")
# The routing context's key of the caller, admitted by the entry point before the route runs.
CALLER = "caller"


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


def _not_allowed(who: Caller, event: dict[str, Any]) -> Forbidden | None:
    """API.md's principal table, checked again before anything else (defence in depth): a caller
    whose role may not invoke the route gets 403 here even if IAM were mis-scoped."""
    if access.allows(who.principal, event.get("httpMethod") or "", event.get("path") or ""):
        return None
    return Forbidden("This caller may not use this route.")


def _not_in_standing(app: Api, who: Caller, event: dict[str, Any]) -> ServiceError | None:
    """A customer acting as the account's holder is refused once the account is closing (403
    ``ACCOUNT_CLOSING``, but for repeating the closure and signing out) or erased (410
    ``ERASED``): sign-out does not revoke identity-pool credentials already issued, which live up
    to an hour. One read of the account's status."""
    method, path = event.get("httpMethod") or "", event.get("path") or ""
    if who.kind != "customer" or not access.matches(access.AS_ACCOUNT_HOLDER, method, path):
        return None
    if app.account_status is None or not app.serves(method, path):
        return None  # serves no such route: the resolver answers 404 (API Gateway never asks)
    try:
        status = app.account_status(who.id)
    except DEPENDENCY_FAILURES as failure:
        return _dependency_unavailable(failure)
    if status in ("ERASING", "ERASED"):  # past its grace period: being erased, or erased
        return Erased("The account was erased.")
    if status == "CLOSING" and not access.matches(access.WHILE_CLOSING, method, path):
        return AccountClosing("The account is closing; Support can reactivate it.")
    return None


def _dependency_unavailable(failure: ClientError | BotoCoreError) -> DependencyUnavailable:
    """An AWS call that failed after the SDK's retries, logged by its error code only."""
    code = (
        failure.response["Error"]["Code"]
        if isinstance(failure, ClientError)
        else type(failure).__name__
    )
    logger.error("dependency failed after retries", extra={"aws_error": code})
    return DependencyUnavailable("Please try again shortly.")


class Api(APIGatewayRestResolver):
    """The resolver of an API function. Its routes find the caller, identified and admitted once
    per request by the entry point, in ``app.caller`` (or ``app.staff``, ``app.customer_id``), and
    an idempotent POST route is registered with ``@app.idempotent_post``. ``account_status`` reads a
    customer's account status, for a function serving routes on which customers act as the
    account's holder (``access.AS_ACCOUNT_HOLDER``); ``cursors``, for a function with list
    routes (``page``, ``paged``)."""

    def __init__(
        self, account_status: AccountStatus | None = None, cursors: CursorsFactory | None = None
    ) -> None:
        self._served: list[tuple[str, re.Pattern[str]]] = []
        super().__init__(enable_validation=True)
        self.account_status = account_status
        self.cursors = cursors

    def _create_route_key(self, item: str, rule: str) -> None:
        """Powertools' record of a new route, also kept as a pattern of paths for ``serves``; a
        route on which customers act as the account's holder documents the admission's 410
        ``ERASED`` too (its 403 ``ACCOUNT_CLOSING`` is every route's 403)."""
        super()._create_route_key(item, rule)
        self._served.append((item, re.compile(re.sub(r"<\w+>", "[^/]+", rule))))
        if self.account_status is not None and access.matches(
            access.AS_ACCOUNT_HOLDER, item.upper(), rule
        ):
            route = next(
                route
                for route in (*self._static_routes, *self._dynamic_routes)
                if route.method == item.upper() and route.path == rule
            )
            route.responses = {**(route.responses or {}), **_documented_errors(410)}

    def serves(self, method: str, path: str) -> bool:
        """Whether a route of this resolver answers ``method path``."""
        return any(m == method and rule.fullmatch(path) for m, rule in self._served)

    def admit(self, who: Caller) -> None:
        """Hands the admitted caller to this request's routes, in Powertools' routing context
        (cleared after each request)."""
        self.append_context(**{CALLER: who})  # type: ignore[no-untyped-call]

    @property
    def caller(self) -> Caller:
        return cast(Caller, self.context[CALLER])

    @property
    def staff(self) -> Caller:
        """The member of staff calling (API.md's table admits only staff to staff routes)."""
        if self.caller.kind != "staff":
            raise Forbidden("Only staff may do this.")
        return self.caller

    @property
    def customer_id(self) -> str:
        """The signed-in customer calling: who API Gateway says signed, never an id in input."""
        if self.caller.kind != "customer":
            raise Forbidden("Only a signed-in customer may do this.")
        return self.caller.id

    @property
    def retry_id(self) -> str:
        """The id of what this request creates, the same for its retries (``Idempotency-Key``)."""
        event = self.current_event
        scope = idempotency.scope(
            self.caller, event.http_method, event.resource, event.path_parameters
        )
        return idempotency.retry_id(idempotency.idempotency_key(event.headers), scope)

    def page(self, limit: int, cursor: str | None) -> PageRequest:
        """The page a list route is asked for: ``limit`` items after where ``cursor`` left off,
        if it was given to this caller for this route and query (else ``InvalidCursor``)."""
        after = None if cursor is None else self._sealer().open(cursor, self._binding())
        return PageRequest(limit, after)

    def paged(self, name: str, page: Page[Any], **beside: Any) -> dict[str, Any]:
        """A list answer (API.md v1.2, Pages): the page's items as ``name`` and, beside them,
        ``next``: the cursor to the page after, bound to this request, or None after the last."""
        cursor = None if page.after is None else self._sealer().seal(page.after, self._binding())
        return {**beside, name: page.items, "next": cursor}

    def _sealer(self) -> Cursors:
        if self.cursors is None:
            raise RuntimeError("a function with list routes is created with its cursors")
        return self.cursors()

    def _binding(self) -> bytes:
        """What a cursor is bound to: the caller (their role and id), the route (method, template
        and path parameters) and the query, but for the page's own parameters."""
        event = self.current_event
        query = event.multi_value_query_string_parameters or {}
        return json.dumps(
            {
                "caller": [self.caller.principal, self.caller.id],
                "route": [event.http_method, event.resource, event.path_parameters or {}],
                "query": {k: v for k, v in query.items() if k not in PAGE_PARAMETERS},
            },
            sort_keys=True,
            ensure_ascii=False,
        ).encode()

    def idempotent_post(
        self, rule: str, *, responses: dict[int, OpenAPIResponse]
    ) -> Callable[[Callable[P, Answer]], Callable[P, Answer]]:
        """Registers a POST route at ``rule`` that runs once per ``Idempotency-Key``: one decorator,
        so the route Powertools calls is always the idempotent one (a second decorator above
        ``@app.post`` would wrap a function already registered as it was)."""

        def register(route: Callable[P, Answer]) -> Callable[P, Answer]:
            self.post(rule, responses=responses)(self._once_per_key(route))
            return route

        return register

    def _once_per_key(self, route: Callable[P, Answer]) -> Callable[P, Answer]:
        """``route`` run once per ``Idempotency-Key`` (when the client sends one), caller, route
        template and path parameters: a retry with the same key and body gets the first answer,
        the same key with another body 409 (API.md, Conventions)."""

        @functools.wraps(route)
        def once_per_key(*args: P.args, **kwargs: P.kwargs) -> Answer:
            event = self.current_event
            scope = idempotency.scope(
                self.caller, event.http_method, event.resource, event.path_parameters
            )
            key = idempotency.idempotency_key(event.headers)
            first = idempotency.once(
                key, scope, kwargs, lambda: _recorded(route(*args, **kwargs)), self.lambda_context
            )
            return first["body"], first["status"]

        return cast(Callable[P, Answer], once_per_key)


def _recorded(answer: Answer) -> dict[str, Any]:
    """A route's answer as the idempotency record keeps it: JSON, its status beside its body."""
    body, status = answer if isinstance(answer, tuple) else (answer, HTTPStatus.OK)
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    return {"status": int(status), "body": body}


def create_app(
    account_status: AccountStatus | None = None, cursors: CursorsFactory | None = None
) -> Api:
    """A validating REST resolver that answers every failure in the contract's error shape;
    ``account_status`` for a function that serves customers as account holders, ``cursors`` for
    one with list routes (see ``Api``)."""
    app = Api(account_status, cursors)

    # Powertools' decorators are untyped; the handlers' signatures are checked here.
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(exc: RequestValidationError) -> Response[str]:
        return error_response(validation_error(exc))

    @app.exception_handler([ClientError, BotoCoreError])  # type: ignore[untyped-decorator]
    def _dependency_failed(exc: ClientError | BotoCoreError) -> Response[str]:
        return error_response(_dependency_unavailable(exc))

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


def entrypoint(app: Api, environment: Sequence[Variable[object]]) -> LambdaHandler:
    """The Lambda handler for ``app``: correlation id, cold-start metric, flushed metrics, a trace.
    Fails at once (the function's initialisation) if ``environment`` is incomplete.

    The caller is identified and admitted, and the body checked for size and depth, before the
    resolver reads any input: Powertools runs its request validation before any middleware of
    the resolver, so a middleware would answer a refused caller's bad body with 400, not 403."""
    require((*EVERY_API_FUNCTION, *environment))

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @traced
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response, caller_kind = _answer(app, event, context)
        _allow_site(event, response)
        logger.info(
            "request handled",
            extra={
                "route": f"{event.get('httpMethod')} {event.get('resource')}",
                "status": response["statusCode"],
                "caller_kind": caller_kind,
            },
        )
        return response

    return cast(LambdaHandler, lambda_handler)


def _allow_site(event: dict[str, Any], response: dict[str, Any]) -> None:
    """CORS: API Gateway passes a proxy answer as it is, so the function lets the privacy centre's
    origin (``SITE_ORIGIN``, infra/cors.py), and no other, read it."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    if origin and origin == SITE_ORIGIN.value():
        response.setdefault("headers", {}).update(
            {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        )


def _answer(app: Api, event: dict[str, Any], context: LambdaContext) -> tuple[dict[str, Any], str]:
    """The response to ``event``, and the kind of caller it came from."""
    try:
        who = caller(event, IDENTITY_POOL_ID.value())
    except Forbidden as unidentified:
        return _refusal(unidentified), "unknown"
    refused = _not_allowed(who, event) or _not_in_standing(app, who, event) or _unreadable(event)
    if refused is not None:
        return _refusal(refused), who.kind
    app.admit(who)
    return app.resolve(event, context), who.kind


def _refusal(error: ServiceError) -> dict[str, Any]:
    return {
        "statusCode": error.status,
        "headers": {"Content-Type": "application/json"},
        "body": _error_body(error),
        "isBase64Encoded": False,
    }


def documented(status: int, body: type[BaseModel], *errors: int) -> dict[int, OpenAPIResponse]:
    """A route's responses for the OpenAPI document: its success (``body``) and its errors,
    beyond those of every route, in the contract's error shape."""
    success: OpenAPIResponse = {
        "description": "Success",
        "content": {"application/json": {"model": body}},
    }
    return {status: success, **_documented_errors(*EVERY_ROUTE_ERRORS, *errors)}


def documented_page(body: type[BaseModel], *errors: int) -> dict[int, OpenAPIResponse]:
    """A list route's responses: ``documented``, its 400 also naming ``INVALID_CURSOR``."""
    responses = documented(200, body, *errors)
    responses[400] = {
        **responses[400],
        "description": "Bad Request: VALIDATION_ERROR, or INVALID_CURSOR for a cursor not "
        "given to this caller for this route and query",
    }
    return responses


def _documented_errors(*codes: int) -> dict[int, OpenAPIResponse]:
    """Errors in the contract's shape: API Gateway's own refusal where it may answer first."""
    return {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {
                "application/json": {"model": Refusal if code in GATEWAY_STATUSES else ErrorBody}
            },
        }
        for code in sorted(set(codes))
    }
