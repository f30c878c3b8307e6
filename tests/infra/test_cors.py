"""The API's CORS (infra/cors.py): browsers may read answers from the privacy centre's origin only;
preflights, the only unsigned methods, are API Gateway's own MOCK answers; its own errors carry the
origin too, or the browser would hide them from the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.synthesized import api_routes, resources


def _site_origin(template_json: dict[str, Any], quoted: bool = False) -> dict[str, Any]:
    (distribution,) = resources(template_json, "AWS::CloudFront::Distribution")
    quote = "'" if quoted else ""
    getatt = {"Fn::GetAtt": [distribution, "DomainName"]}
    return {"Fn::Join": ["", [f"{quote}https://", getatt, *([quote] if quoted else [])]]}


@pytest.mark.clause("P2.6")
def test_only_preflights_go_unsigned_and_they_name_only_the_site_origin(
    template_json: dict[str, Any],
) -> None:
    methods = resources(template_json, "AWS::ApiGateway::Method").values()
    preflights = [m for m in methods if m["HttpMethod"] == "OPTIONS"]
    signed = [m for m in methods if m["HttpMethod"] != "OPTIONS"]
    assert {m["AuthorizationType"] for m in signed} == {"AWS_IAM"}
    assert {m["ResourceId"]["Ref"] for m in preflights} == {m["ResourceId"]["Ref"] for m in signed}
    for preflight in preflights:
        assert preflight["AuthorizationType"] == "NONE"
        assert preflight["Integration"]["Type"] == "MOCK"  # no function behind it
        (answer,) = preflight["Integration"]["IntegrationResponses"]
        headers = answer["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == _site_origin(
            template_json, quoted=True
        )
        allowed = headers["method.response.header.Access-Control-Allow-Headers"].strip("'")
        assert {"authorization", "x-amz-date", "x-amz-security-token", "idempotency-key"} <= set(
            allowed.split(",")
        )


def test_gateway_errors_carry_the_site_origin(template_json: dict[str, Any]) -> None:
    responses = {
        props["ResponseType"]: props.get("ResponseParameters", {})
        for props in resources(template_json, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY"} <= set(responses)
    for parameters in responses.values():
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == _site_origin(
            template_json, quoted=True
        )


def test_every_api_function_answers_the_site_origin(
    template_json: dict[str, Any], assembly_dir: Path
) -> None:
    """A Lambda proxy answer passes as it is: the function adds the header for SITE_ORIGIN."""
    functions = resources(template_json, "AWS::Lambda::Function")
    serving = {route.function_id for route in api_routes(assembly_dir)}
    assert serving
    for logical_id in serving:
        variables = functions[logical_id]["Environment"]["Variables"]
        assert variables["SITE_ORIGIN"] == _site_origin(template_json)
