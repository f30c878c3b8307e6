"""P2.2, P5: the handlers check the caller against API.md's principal table themselves (defence
in depth): a caller the table does not allow on a route gets 403 from the handler, before its
input is read, even if IAM were mis-scoped and let the request through."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from infra.catalogue import API_FUNCTIONS, FunctionSpec, Route
from tests.support.api_md import allowed, concrete
from tests.support.deployed import customer, guest, staff
from tests.support.events import rest_event
from tests.support.handlers import handled

IDENTITIES: dict[str, dict[str, Any]] = {
    "guest": guest(),
    "customer": customer(str(uuid.uuid4())),
    "support": staff("Support"),
    "compliance": staff("Compliance"),
    "admin": staff("Admin"),
}
REFUSED = [
    (spec, route, principal)
    for spec in API_FUNCTIONS
    for route in spec.routes
    for principal in IDENTITIES
    if principal not in allowed(route.method, route.path)
]


def handle(spec: FunctionSpec, route: Route, identity: dict[str, Any]) -> tuple[int, Any]:
    """The handler's answer to a valid-looking call (an empty JSON body where one is taken)."""
    event = rest_event(
        route.method, concrete(route.path), body={} if route.has_body else None, identity=identity
    )
    response = handled(spec.name, event)
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.clause("P2.2", "P5")
@pytest.mark.parametrize(
    ("spec", "route", "principal"),
    REFUSED,
    ids=[f"{principal} {route.method} {route.path}" for _, route, principal in REFUSED],
)
def test_a_caller_outside_the_table_gets_403_from_the_handler(
    spec: FunctionSpec, route: Route, principal: str
) -> None:
    status, body = handle(spec, route, IDENTITIES[principal])
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


@pytest.mark.clause("P2.2", "P5")
@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=[s.name for s in API_FUNCTIONS])
def test_a_role_that_is_not_in_the_table_gets_403_on_every_route(spec: FunctionSpec) -> None:
    stranger = staff("Marketing", "mallory")  # an IAM role of the account, not a staff role
    for route in spec.routes:
        status, body = handle(spec, route, stranger)
        assert (status, body["error"]["code"]) == (403, "FORBIDDEN"), route
