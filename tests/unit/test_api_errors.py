"""The HTTP layer: validation failures, domain errors and oversized bodies in the contract shape."""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any
from unittest import mock

from pydantic import BaseModel, ConfigDict, Field

from ongpt.platform.api import MAX_BODY_BYTES, MAX_JSON_DEPTH, create_app, json_depth
from ongpt.platform.errors import DependencyUnavailable, NotFound
from tests.support.deployed import customer
from tests.support.events import FakeLambdaContext, api_entrypoint, rest_event


class Greeting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10)


app = create_app(account_status=lambda _customer_id: "ACTIVE")  # admission: test_admission.py


@app.post("/v1/me/greetings")
def greet(greeting: Greeting) -> dict[str, str]:
    return {"hello": greeting.name}


@app.get("/v1/me/missing")
def missing() -> None:
    raise NotFound("No such thing.")


@app.get("/v1/me/down")
def down() -> None:
    raise DependencyUnavailable("Try again later.")


handler = api_entrypoint(app, "greetings")


def call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``event`` from a signed-in customer: the routes here are under ``/v1/me``, which API.md's
    principal table (checked by every entrypoint) lets a customer call."""
    event["requestContext"]["identity"].update(customer(str(uuid.uuid4())))
    response = handler(event, FakeLambdaContext())  # type: ignore[arg-type]
    return response["statusCode"], json.loads(response["body"])


def test_a_valid_body_reaches_the_route() -> None:
    assert call(rest_event("POST", "/v1/me/greetings", body={"name": "An"})) == (
        200,
        {"hello": "An"},
    )


def test_unknown_fields_are_a_validation_error_naming_the_field() -> None:
    status, body = call(rest_event("POST", "/v1/me/greetings", body={"name": "An", "admin": True}))
    assert status == 400
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert [f["field"] for f in body["error"]["fields"]] == ["admin"]


def test_over_long_values_are_a_validation_error() -> None:
    status, body = call(rest_event("POST", "/v1/me/greetings", body={"name": "x" * 11}))
    assert status == 400
    assert body["error"]["fields"][0]["field"] == "name"


def test_malformed_json_is_a_validation_error() -> None:
    status, body = call(rest_event("POST", "/v1/me/greetings", raw_body="{not json"))
    assert status == 400
    assert body["error"]["code"] == "VALIDATION_ERROR"


def test_wrong_types_are_a_validation_error() -> None:
    status, body = call(rest_event("POST", "/v1/me/greetings", body=["a", "list"]))
    assert status == 400
    assert body["error"]["code"] == "VALIDATION_ERROR"


def test_bodies_over_16_kib_are_rejected_before_parsing() -> None:
    status, body = call(rest_event("POST", "/v1/me/greetings", raw_body="x" * (MAX_BODY_BYTES + 1)))
    assert status == 400
    assert body["error"]["fields"] == [
        {"field": "body", "message": f"at most {MAX_BODY_BYTES} bytes"}
    ]


def test_deeply_nested_json_under_16_kib_is_a_400_not_a_crash() -> None:
    for nested in ("[" * 5000 + "]" * 5000, '{"a":' * 2000 + "1" + "}" * 2000):
        assert len(nested) < MAX_BODY_BYTES
        status, body = call(rest_event("POST", "/v1/me/greetings", raw_body=nested))
        assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
        assert body["error"]["fields"][0]["field"] == "body"


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth('{"name": "[[[{{{\\"]]]"}') == 1
    assert json_depth('{"a": [{"b": []}]}') == 4
    deep_in_text = '{"name": "' + "[" * (MAX_JSON_DEPTH + 1) + '"}'
    status, body = call(rest_event("POST", "/v1/me/greetings", raw_body=deep_in_text))
    assert (status, body["error"]["fields"][0]["field"]) == (400, "name")  # too long, not too deep


def test_base64_bodies_are_read_and_non_utf8_ones_refused() -> None:
    def encoded(raw: bytes) -> dict[str, Any]:
        return {
            **rest_event("POST", "/v1/me/greetings"),
            "body": base64.b64encode(raw).decode(),
            "isBase64Encoded": True,
        }

    assert call(encoded(b'{"name": "An"}')) == (200, {"hello": "An"})
    status, body = call(encoded(b"\xff\xfe{"))
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert body["error"]["fields"] == [{"field": "body", "message": "not UTF-8"}]


def test_a_path_the_router_cannot_match_is_a_contract_404() -> None:
    status, body = call(rest_event("GET", "/v1/me/nowhere"))
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_domain_errors_map_to_their_status_and_code() -> None:
    assert call(rest_event("GET", "/v1/me/missing")) == (
        404,
        {"error": {"code": "NOT_FOUND", "message": "No such thing."}},
    )
    status, body = call(rest_event("GET", "/v1/me/down"))
    assert (status, body["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")


def test_validation_errors_never_echo_the_value(capsys: Any) -> None:
    secret = "09679155690"
    status, body = call(rest_event("POST", "/v1/me/greetings", body={"name": secret}))
    assert status == 400
    assert secret not in json.dumps(body)
    assert secret not in capsys.readouterr().out


def test_answers_name_the_site_origin_and_no_other() -> None:
    """API Gateway passes a function's answer as it is: the function itself names the one origin a
    browser may read it from (SITE_ORIGIN, the privacy centre's)."""

    def cors_headers(origin: str) -> dict[str, str]:
        event = rest_event("POST", "/v1/me/greetings", body={"name": "An"})
        event["headers"] = {**(event.get("headers") or {}), "origin": origin}
        event["requestContext"]["identity"].update(customer(str(uuid.uuid4())))
        with mock.patch.dict(os.environ, {"SITE_ORIGIN": "https://site.example"}):
            headers = handler(event, FakeLambdaContext()).get("headers") or {}  # type: ignore[arg-type]
        return {k: v for k, v in headers.items() if k.startswith("Access-Control")}

    assert cors_headers("https://site.example") == {
        "Access-Control-Allow-Origin": "https://site.example"
    }
    assert cors_headers("https://elsewhere.example") == {}
