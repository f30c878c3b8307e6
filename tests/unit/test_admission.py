"""Admission by the account's status (API.md, Closure and Erasure): credentials issued before a
closure (identity-pool credentials live up to an hour) act on the account no more."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.catalogue import API_FUNCTIONS, FunctionSpec
from ongpt.platform import access
from ongpt.platform.api import AccountStatus, create_app
from tests.support.deployed import customer, guest
from tests.support.events import FakeLambdaContext, api_entrypoint, rest_event
from tests.support.handlers import warm_handler

STATUSES: dict[str, str] = {}
READS: list[str] = []


def _read(customer_id: str) -> str | None:
    READS.append(customer_id)
    if STATUSES.get(customer_id) == "UNREADABLE":
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")
    return STATUSES.get(customer_id)


def _handler(account_status: AccountStatus | None) -> Any:
    app = create_app(account_status=account_status)
    for method, path in (
        ("GET", "/v1/me"),
        ("POST", "/v1/me/closure"),
        ("POST", "/v1/me/sign-out"),
        ("POST", "/v1/complaints"),
        ("GET", "/v1/policy"),
    ):
        app.route(path, method)(lambda: {"reached": True})
    return api_entrypoint(app, "admission")


HANDLER = _handler(_read)


def call(
    method: str, path: str, status: str | None, handler: Any = HANDLER, as_customer: bool = True
) -> tuple[int, dict[str, Any]]:
    customer_id = str(uuid.uuid4())
    if status is not None:
        STATUSES[customer_id] = status
    event = rest_event(method, path, body={} if method == "POST" else None)
    event["requestContext"]["identity"].update(customer(customer_id) if as_customer else guest())
    response = handler(event, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"])


def code(answer: tuple[int, dict[str, Any]]) -> tuple[int, str]:
    return answer[0], answer[1].get("error", {}).get("code", "")


@pytest.mark.clause("P2.2", "P3.1")
@pytest.mark.parametrize("route", [("GET", "/v1/me"), ("POST", "/v1/complaints")])
def test_a_closing_customer_is_refused_what_an_account_holder_does(route: tuple[str, str]) -> None:
    assert code(call(*route, "CLOSING")) == (403, "ACCOUNT_CLOSING")
    assert call(*route, "ACTIVE") == (200, {"reached": True})


@pytest.mark.clause("P2.2")
@pytest.mark.parametrize("path", ["/v1/me/closure", "/v1/me/sign-out"])
def test_a_closing_customer_may_still_close_again_and_sign_out(path: str) -> None:
    assert call("POST", path, "CLOSING") == (200, {"reached": True})


@pytest.mark.clause("P2.2", "P2.4")
@pytest.mark.parametrize("route", [("GET", "/v1/me"), ("POST", "/v1/me/closure")])
@pytest.mark.parametrize("status", ["ERASING", "ERASED"])
def test_an_erased_customer_gets_410_everywhere_as_the_account_holder(
    route: tuple[str, str], status: str
) -> None:
    """Once the erasure has decided (``ERASING``), as after it (``ERASED``)."""
    assert code(call(*route, status)) == (410, "ERASED")


@pytest.mark.clause("P2.2")
def test_routes_that_act_on_no_account_read_no_status() -> None:
    READS.clear()
    assert call("GET", "/v1/policy", "CLOSING")[0] == 200
    assert call("POST", "/v1/complaints", None, as_customer=False)[0] == 200  # a guest's complaint
    assert READS == []


@pytest.mark.clause("P4")
def test_a_status_that_cannot_be_read_is_a_503_and_the_route_is_not_reached() -> None:
    assert code(call("GET", "/v1/me", "UNREADABLE")) == (503, "SERVICE_UNAVAILABLE")


@pytest.mark.clause("P2.2")
@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=lambda spec: spec.name)
def test_every_function_serving_account_holders_reads_their_account_status(
    spec: FunctionSpec,
) -> None:
    serves = any(access.matches(access.AS_ACCOUNT_HOLDER, r.method, r.path) for r in spec.routes)
    app = warm_handler(spec.name).app
    assert (app.account_status is not None) == serves, spec.name
