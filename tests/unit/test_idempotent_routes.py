"""Idempotent POST routes (API.md, Conventions: ``Idempotency-Key``): one decorator registers the
route and its idempotency together, so the route Powertools runs is always the idempotent one.
Two decorators could be stacked in the wrong order, ``@app.post`` then registering the route
before the idempotency wrapped it."""

# No ``from __future__ import annotations``: Powertools reads a route's annotations through the
# registered function, whose globals are ``ongpt.platform.api``'s, where ``Noted`` is not defined.
import json
import uuid
from collections.abc import Callable
from typing import Any
from unittest import mock

from pydantic import BaseModel

from local.openapi import source_handlers
from ongpt.platform.api import Api, create_app, documented
from tests.support.deployed import customer
from tests.support.events import FakeLambdaContext, api_entrypoint, rest_event

# Signing out twice is the same as once: the key is checked, nothing is recorded (API.md).
NOT_RECORDED = ["POST /v1/me/sign-out"]
Record = dict[str, Any]  # an answer as the idempotency record keeps it


class Noted(BaseModel):
    note_id: str


def _registered(app: Api) -> dict[str, Callable[..., Any]]:
    """What Powertools runs for each route of ``app``, keyed ``METHOD path``."""
    routes = app._static_routes + app._dynamic_routes  # Powertools keeps no public list
    return {f"{route.method} {route.path}": route.func for route in routes}


def _idempotent_code() -> object:
    """The code Powertools runs for any route registered with ``idempotent_post``."""
    probe = create_app()
    probe.idempotent_post("/probe", responses={})(lambda: {})
    return _registered(probe)["POST /probe"].__code__


def _not_idempotent_posts(app: Api) -> list[str]:
    idempotent = _idempotent_code()
    return [
        route
        for route, run in _registered(app).items()
        if route.startswith("POST ") and run.__code__ is not idempotent
    ]


def first_answers() -> Callable[..., Record]:
    """``idempotency.once`` without its table: the first record kept per key and scope."""
    kept: dict[tuple[str, str], Record] = {}

    def once(
        key: str, scope: str, _args: object, run: Callable[[], Record], _ctx: object
    ) -> Record:
        if (key, scope) not in kept:
            kept[(key, scope)] = run()
        return kept[(key, scope)]

    return once


def test_an_idempotent_post_route_runs_once_per_key_and_answers_a_retry_as_the_first_time() -> None:
    app = create_app(account_status=lambda _customer_id: "ACTIVE")
    runs: list[str] = []

    @app.idempotent_post("/v1/me/notes", responses=documented(201, Noted, 409))
    def add_note() -> tuple[Noted, int]:
        runs.append("ran")
        return Noted(note_id=uuid.uuid4().hex), 201

    handler = api_entrypoint(app, "notes")
    event = rest_event("POST", "/v1/me/notes", body={})
    event["headers"]["Idempotency-Key"] = "retry-1"
    event["requestContext"]["identity"].update(customer(str(uuid.uuid4())))

    with mock.patch("ongpt.platform.idempotency.once", first_answers()):
        first, retry = (handler(event, FakeLambdaContext()) for _ in range(2))  # type: ignore[arg-type]

    assert runs == ["ran"]
    assert (retry["statusCode"], json.loads(retry["body"])) == (
        first["statusCode"],
        json.loads(first["body"]),
    )
    assert first["statusCode"] == 201


def test_every_post_route_of_the_api_is_registered_idempotent_but_sign_out() -> None:
    apps = [
        app for module in source_handlers() if isinstance(app := getattr(module, "app", None), Api)
    ]
    posts = [route for app in apps for route in _registered(app) if route.startswith("POST ")]
    assert len(posts) > len(NOT_RECORDED)
    assert [route for app in apps for route in _not_idempotent_posts(app)] == NOT_RECORDED


def test_a_post_route_registered_without_idempotency_is_found() -> None:
    app = create_app()
    app.post("/v1/me/plain")(lambda: {})
    app.idempotent_post("/v1/me/recorded", responses={})(lambda: {})
    assert _not_idempotent_posts(app) == ["POST /v1/me/plain"]
