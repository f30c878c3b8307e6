"""Each API function serves exactly its routes of the catalogue, in the contract's shapes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from infra.catalogue import API_FUNCTIONS, FunctionSpec, Route
from local.lambdas import reset_warm_state
from ongpt import services
from tests.support.api_md import allowed, concrete
from tests.support.deployed import customer, guest, staff
from tests.support.events import rest_event
from tests.support.handlers import handled


def invoke(spec: FunctionSpec, event: dict[str, Any]) -> dict[str, Any]:
    return handled(spec.name, event)


def permitted(route: Route) -> dict[str, Any]:
    """A caller API.md's principal table lets through to the route (the handler checks it)."""
    principals = allowed(route.method, route.path)
    if "guest" in principals:
        return guest()
    return customer(str(uuid.uuid4())) if "customer" in principals else staff("Admin")


class _NoAws:
    """Every AWS call fails as if the service were unreachable (a 503 proves the handler ran)."""

    def __getattr__(self, operation: str) -> Any:
        def unreachable(*_args: Any, **_kwargs: Any) -> Any:
            raise EndpointConnectionError(endpoint_url=f"https://{operation}.invalid")

        return unreachable


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    reset_warm_state()
    monkeypatch.setattr(services, "client", lambda _service: _NoAws())
    yield
    reset_warm_state()


ROUTES = [(spec, route) for spec in API_FUNCTIONS for route in spec.routes]


@pytest.mark.usefixtures("no_aws")
@pytest.mark.parametrize(("spec", "route"), ROUTES, ids=[f"{r.method} {r.path}" for _, r in ROUTES])
def test_the_function_serves_its_route(spec: FunctionSpec, route: Route) -> None:
    """Routed to a handler that reads its path parameters: never 404 or 405, and a 400 is about
    the body, not a path parameter the route failed to bind."""
    body: dict[str, Any] | None = {} if route.has_body else None
    event = rest_event(route.method, concrete(route.path), body=body, identity=permitted(route))
    response = invoke(spec, event)
    status, error = response["statusCode"], json.loads(response["body"]).get("error", {})
    assert status in (200, 400, 503), (status, error)
    if status == 400:
        path_params = set(re.findall(r"\{(\w+)\}", route.path))
        assert not {f["field"] for f in error.get("fields", [])} & (path_params | {"_path_params"})


@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=[s.name for s in API_FUNCTIONS])
def test_the_function_serves_no_other_route(spec: FunctionSpec) -> None:
    others = [r for s in API_FUNCTIONS if s is not spec for r in s.routes]
    for route in others:
        response = invoke(
            spec, rest_event(route.method, concrete(route.path), identity=permitted(route))
        )
        assert response["statusCode"] in (404, 405), (spec.name, route)


def test_policy_names_the_versions_in_force() -> None:
    from infra.catalogue import REGISTRATION

    response = invoke(REGISTRATION, rest_event("GET", "/v1/policy", identity=guest()))
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["privacy_policy"] == "2024-10"
    assert body["terms"] == "2024-10"
    assert {p["clause"] for p in body["purposes"]} == {f"P3.{i}" for i in range(1, 7)}
