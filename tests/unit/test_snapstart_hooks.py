"""SnapStart's hooks on each API function's handler: before the snapshot it is primed without
calling AWS or keeping anything of a customer, a request or a moment; after a restore what must
differ between environments is renewed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from botocore.client import BaseClient
from botocore.endpoint import Endpoint

from infra.catalogue import API_FUNCTIONS
from local.lambdas import reset_warm_state
from local.placeholders import placeholder_environment
from ongpt import services
from ongpt.platform import aws, clock, idempotency, snapstart
from ongpt.platform import settings as env
from tests.support.handlers import cold_start


@pytest.fixture(autouse=True)
def fresh_registries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each handler's hooks only, its caches empty (as in its own environment), and a region."""
    monkeypatch.setattr(snapstart, "_before_snapshot", [])
    monkeypatch.setattr(snapstart, "_after_restore", [])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    reset_warm_state()
    with placeholder_environment():
        yield


def _run(hooks: list[snapstart.Hook]) -> None:
    for hook, args, kwargs in hooks:
        hook(*args, **kwargs)


def _snapshot(function: str) -> ModuleType:
    """The handler initialised and its before-snapshot hooks run, as Lambda runs them (in the
    reverse order of registration), with every AWS call and every read of the clock failing."""
    module = cold_start(function, [variable.name for variable in env.ALL_VARIABLES])
    refused = AssertionError("called while priming")
    with (
        mock.patch.object(Endpoint, "make_request", side_effect=refused),
        mock.patch.object(clock, "utcnow", side_effect=refused),
    ):
        _run(list(reversed(snapstart.before_snapshot_hooks())))
    return module


def _cached(module: ModuleType) -> list[Any]:
    """What the services of ``module``'s code hold after priming (each factory's value)."""
    return [
        factory()
        for name in dir(services)
        if hasattr(factory := getattr(services, name), "cache_info")
        and factory.cache_info().currsize
    ]


@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=lambda spec: spec.name)
def test_priming_builds_what_a_first_request_needs_and_keeps_nothing_of_one(spec: Any) -> None:
    module = _snapshot(spec.name)
    app = module.app
    assert all(route.dependant for route in app.routes)  # validators built
    assert aws._client.cache_info().currsize  # clients made (no call: see _snapshot)
    assert app.context == {}  # no caller
    assert not hasattr(BaseRouter, "current_event")  # no request
    assert not hasattr(BaseRouter, "lambda_context")
    for held in _cached(module):
        assert not getattr(held, "_cache", None)  # no data key, no key of a caller
    if app.has_idempotent_routes:
        assert idempotency._persistence.cache_info().currsize
        assert idempotency._config().lambda_context is None  # no request's context


def test_a_restored_environment_draws_its_own_random_numbers_and_opens_new_connections() -> None:
    _snapshot("me")
    random.seed(30)  # the generator as the snapshot holds it, in every restored environment
    snapshotted = random.getstate()
    with mock.patch.object(BaseClient, "close") as closed:
        _run(snapstart.after_restore_hooks())
    assert random.getstate() != snapshotted
    assert closed.call_count == aws._client.cache_info().currsize > 0
