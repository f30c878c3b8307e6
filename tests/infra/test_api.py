"""P2.6: every route of API.md, SigV4 (AWS_IAM) on each, validation, logs, throttling, WAF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.catalogue import API_FUNCTIONS
from tests.support.api_md import API_MD_ROUTES
from tests.support.synthesized import api_routes, logical_id, resources


def test_the_api_has_exactly_the_contract_routes(template_path: Path) -> None:
    assert {(r.method, r.path) for r in api_routes(template_path)} == API_MD_ROUTES


@pytest.mark.clause("P2.6")
def test_every_method_requires_sigv4(template_path: Path) -> None:
    for route in api_routes(template_path):
        assert route.authorization == "AWS_IAM", route


def test_each_route_is_served_by_its_function(
    template_path: Path, template_json: dict[str, Any]
) -> None:
    served_by = {(r.method, r.path): r.function_id for r in api_routes(template_path)}
    for spec in API_FUNCTIONS:
        function = logical_id(
            template_json, f"/{spec.name.title().replace('_', '')}/Function/Resource"
        )
        for route in spec.routes:
            assert served_by[(route.method, route.path)] == function, route


@pytest.mark.clause("P4")
def test_every_method_is_validated_and_bodies_must_be_json_objects(
    template_path: Path, template_json: dict[str, Any]
) -> None:
    (validator_id,) = resources(template_json, "AWS::ApiGateway::RequestValidator")
    methods = resources(template_json, "AWS::ApiGateway::Method")
    for route in api_routes(template_path):
        props = methods[route.logical_id]
        assert props["RequestValidatorId"] == {"Ref": validator_id}
        takes_body = route.method in ("PUT", "PATCH") or (
            route.method == "POST"
            and not route.path.endswith(("/resend", "/withdraw", "/sign-out"))
        )
        assert ("RequestModels" in props) == takes_body, route


def test_validation_failures_use_the_contract_error_shape(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "BAD_REQUEST_BODY",
            "StatusCode": "400",
            "ResponseTemplates": {"application/json": Match.string_like_regexp("VALIDATION_ERROR")},
        },
    )


@pytest.mark.clause("P2.5")
def test_stage_logs_access_throttles_and_traces(template_json: dict[str, Any]) -> None:
    (stage,) = resources(template_json, "AWS::ApiGateway::Stage").values()
    assert stage["TracingEnabled"] is True
    assert "DestinationArn" in stage["AccessLogSetting"]
    log_format = json.loads(stage["AccessLogSetting"]["Format"])
    assert "$context.path" not in log_format.values()  # paths carry ids; query strings emails
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0
    assert settings["ThrottlingBurstLimit"] > 0
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False


@pytest.mark.clause("P2.6")
def test_waf_protects_the_stage(template_json: dict[str, Any]) -> None:
    (association,) = resources(template_json, "AWS::WAFv2::WebACLAssociation").values()
    (acl_id,) = resources(template_json, "AWS::WAFv2::WebACL")
    (stage_id,) = resources(template_json, "AWS::ApiGateway::Stage")
    assert association["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert stage_id in json.dumps(association["ResourceArn"])


@pytest.mark.clause("P2.6")
def test_waf_has_managed_rules_and_a_rate_limit(template_json: dict[str, Any]) -> None:
    (acl,) = resources(template_json, "AWS::WAFv2::WebACL").values()
    statements = [rule["Statement"] for rule in acl["Rules"]]
    managed = {
        s["ManagedRuleGroupStatement"]["Name"]
        for s in statements
        if "ManagedRuleGroupStatement" in s
    }
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed
    assert any("RateBasedStatement" in s for s in statements)


@pytest.mark.clause("P1.2")
def test_waf_limits_posts_to_the_routes_that_send_codes_more_tightly_per_ip(
    template_json: dict[str, Any],
) -> None:
    (acl,) = resources(template_json, "AWS::WAFv2::WebACL").values()
    rates = {
        rule["Name"]: rule["Statement"]["RateBasedStatement"]
        for rule in acl["Rules"]
        if "RateBasedStatement" in rule["Statement"]
    }
    sending = rates["SendingRatePerIp"]
    assert sending["AggregateKeyType"] == "IP"
    assert sending["Limit"] < rates["RatePerIp"]["Limit"]
    (method, paths) = sending["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["FieldToMatch"] == {"Method": {}}
    assert method["ByteMatchStatement"]["SearchString"] == "post"
    searched = {s["ByteMatchStatement"]["SearchString"] for s in paths["OrStatement"]["Statements"]}
    assert searched == {"/v1/registrations", "/v1/recoveries", "/v1/me/edit-requests"}
    assert all(
        s["ByteMatchStatement"]["FieldToMatch"] == {"UriPath": {}}
        for s in paths["OrStatement"]["Statements"]
    )


@pytest.mark.clause("P6.2")
def test_waf_limits_posts_that_file_complaints_per_ip(template_json: dict[str, Any]) -> None:
    (acl,) = resources(template_json, "AWS::WAFv2::WebACL").values()
    (rule,) = [rule for rule in acl["Rules"] if rule["Name"] == "ComplaintRatePerIp"]
    assert rule["Action"] == {"Block": {}}
    rate = rule["Statement"]["RateBasedStatement"]
    assert (rate["AggregateKeyType"], rate["Limit"], rate["EvaluationWindowSec"]) == ("IP", 10, 600)
    method, path = rate["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert (
        method["ByteMatchStatement"]["FieldToMatch"],
        method["ByteMatchStatement"]["SearchString"],
    ) == ({"Method": {}}, "post")
    assert path["ByteMatchStatement"]["FieldToMatch"] == {"UriPath": {}}
    assert path["ByteMatchStatement"]["SearchString"] == "/v1/complaints"


@pytest.mark.clause("P2.6")
def test_waf_logs_redact_query_strings_and_signatures(template_json: dict[str, Any]) -> None:
    (logging,) = resources(template_json, "AWS::WAFv2::LoggingConfiguration").values()
    redacted = json.dumps(logging["RedactedFields"]).lower()
    assert "querystring" in redacted
    assert "authorization" in redacted
