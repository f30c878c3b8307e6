"""Lambda SnapStart's runtime hooks: registered here, run by Lambda around its snapshot.

With SnapStart, Lambda initialises a function once, when a version is published, snapshots that
environment, and starts new ones by restoring the snapshot ("Improving startup performance with
Lambda SnapStart", https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html). A before-snapshot
hook runs last in that initialisation, an after-restore hook first in each restored environment.
Lambda's Python runtime provides ``snapshot_restore_py`` for registering them; it runs
before-snapshot hooks in the reverse order of registration and after-restore hooks in that order,
a hook module counting only if the handler imports it ("Lambda SnapStart runtime hooks for
Python", https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html).

Lambda's runtime has that module; elsewhere this one keeps the same registries itself, which the
local runtime runs as Lambda would (``local/snapstart.py``). Without SnapStart the hooks never
run. Every API function's entry point (``ongpt.platform.api``) registers ``prime`` and ``renew``.
"""

from __future__ import annotations

import inspect
import random
import re
from collections.abc import Callable
from importlib import import_module
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from ongpt.platform import aws, idempotency

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Route
    from aws_lambda_powertools.utilities.typing import LambdaContext

Hook = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]
F = TypeVar("F", bound=Callable[..., object])

try:  # Lambda's Python runtime (https://github.com/aws/snapshot-restore-py)
    _lambda: Any = import_module("snapshot_restore_py")
except ModuleNotFoundError:  # anywhere else: the same registries, kept here
    _lambda = None
_before_snapshot: list[Hook] = []
_after_restore: list[Hook] = []


def register_before_snapshot(func: F, *args: Any, **kwargs: Any) -> F:
    """Run ``func(*args, **kwargs)`` before the snapshot is taken (a decorator too, as Lambda's)."""
    if _lambda is not None:
        return _lambda.register_before_snapshot(func, *args, **kwargs)  # type: ignore[no-any-return]
    _before_snapshot.append((func, args, kwargs))
    return func


def register_after_restore(func: F, *args: Any, **kwargs: Any) -> F:
    """Run ``func(*args, **kwargs)`` in each environment restored from the snapshot."""
    if _lambda is not None:
        return _lambda.register_after_restore(func, *args, **kwargs)  # type: ignore[no-any-return]
    _after_restore.append((func, args, kwargs))
    return func


def before_snapshot_hooks() -> list[Hook]:
    """The before-snapshot hooks, in the order they were registered."""
    return list(_lambda.get_before_snapshot() if _lambda is not None else _before_snapshot)


def after_restore_hooks() -> list[Hook]:
    """The after-restore hooks, in the order they were registered."""
    return list(_lambda.get_after_restore() if _lambda is not None else _after_restore)


class Primed(Protocol):
    """What ``prime`` takes of an API function's resolver (``ongpt.platform.api.Api``)."""

    routes: list[Route]
    account_status: Callable[..., object] | None
    has_idempotent_routes: bool

    def resolve(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]: ...


def prime(app: Primed) -> None:
    """The before-snapshot hook of an API function: what its first request would otherwise do,
    done once ("Maximize Lambda SnapStart performance", performance tuning,
    https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html). Each route's
    validators are built; so are the services and stores its code names (``services.customers``),
    which imports their modules and creates their AWS clients, and the idempotency utility if a
    route is idempotent; then a synthetic request is resolved (``_refused_by_validation``).

    No AWS service is called, and nothing of one customer, request or moment is kept: services
    are built empty (a data key cache without a key), no idempotency record is read nor a
    request's context registered, the routing context (the caller) is cleared and the request's
    event and context are taken off the resolver, and the handler's decorators do not run, so
    each restored environment still reports its cold start."""
    for route in app.routes:
        _ = route.body_field  # Powertools builds a route's validators on first use and keeps them
        for factory in _factories_named(route.func):
            factory()
    if app.account_status is not None:
        for factory in _factories_named(app.account_status):
            factory()
    if app.has_idempotent_routes:
        idempotency.prime()
    answer = app.resolve(_refused_by_validation(app.routes), cast("LambdaContext", None))
    del BaseRouter.current_event, BaseRouter.lambda_context  # resolve leaves them on the class
    if answer["statusCode"] != 400:
        raise RuntimeError(f"the priming request was answered {answer['statusCode']}, not 400")


def _factories_named(function: Callable[..., object]) -> list[Callable[[], object]]:
    """What ``function``'s code names that is built once and takes nothing: a cached factory
    (``functools.cache``), named as a global (``customer_store``) or as an attribute of a module
    it names (``services.customers``)."""
    code = cast(FunctionType, inspect.unwrap(function))
    names, scope = code.__code__.co_names, code.__globals__
    modules = [scope[name] for name in names if isinstance(scope.get(name), ModuleType)]
    named = [scope.get(name) for name in names]
    named += [getattr(module, name, None) for module in modules for name in names]
    return [
        found
        for found in dict.fromkeys(item for item in named if callable(item))
        if hasattr(found, "cache_info") and not inspect.signature(found).parameters
    ]


def _refused_by_validation(routes: list[Route]) -> dict[str, Any]:
    """A proxy event for the first route that requires a body or a query parameter, without
    it: the route's validation refuses it (400) before any of the route's code runs, so it
    touches no AWS service and carries no personal data; it has no caller."""
    route = next(
        route
        for route in routes
        if any(field.required for field in route.dependant.body_params)
        or any(field.required for field in route.dependant.query_params)
    )
    path = re.sub(r"<\w+>", "primer", route.path)
    return {
        "resource": path,
        "path": path,
        "httpMethod": route.method,
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"resourcePath": path, "httpMethod": route.method, "stage": "prime"},
        "body": None,
        "isBase64Encoded": False,
    }


def renew() -> None:
    """What must differ between environments restored from one snapshot ("Handling uniqueness
    with Lambda SnapStart", https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html):
    the ``random`` module's generator, which botocore's retry jitter and ours draw from, seeded
    again from the operating system (restored as it was, every environment would draw the same
    jitter and retry in step); and the AWS clients' pooled connections, closed, so that none is
    shared by two environments ("Maximize Lambda SnapStart performance", networking,
    https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html). ``os.urandom``,
    ``secrets`` and ``uuid4`` read the operating system at each call and keep no state; nothing
    here caches the clock."""
    random.seed()
    aws.close_connections()
