"""P2.6: every route of API.md, SigV4 (AWS_IAM) on each, validation, logs, throttling, WAF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.catalogue import API_FUNCTIONS
from infra.user_pool_api import BLOCKED
from tests.support.api_md import API_MD_ROUTES
from tests.support.synthesized import api_routes, logical_id, resources


def test_the_api_has_exactly_the_contract_routes(assembly_dir: Path) -> None:
    assert {(r.method, r.path) for r in api_routes(assembly_dir)} == API_MD_ROUTES


@pytest.mark.clause("P2.6")
def test_every_method_requires_sigv4(assembly_dir: Path) -> None:
    for route in api_routes(assembly_dir):
        assert route.authorization == "AWS_IAM", route


def test_each_route_is_served_by_its_function(
    assembly_dir: Path, template_json: dict[str, Any]
) -> None:
    served_by = {(r.method, r.path): r.function_id for r in api_routes(assembly_dir)}
    for spec in API_FUNCTIONS:
        function = logical_id(
            template_json, f"/{spec.name.title().replace('_', '')}/Function/Resource"
        )
        for route in spec.routes:
            assert served_by[(route.method, route.path)] == function, route


@pytest.mark.clause("P4")
def test_every_method_is_validated_and_bodies_must_be_json_objects(
    assembly_dir: Path, template_json: dict[str, Any]
) -> None:
    (validator_id,) = resources(template_json, "AWS::ApiGateway::RequestValidator")
    methods = resources(template_json, "AWS::ApiGateway::Method")
    for route in api_routes(assembly_dir):
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
    (settings,) = [s for s in stage["MethodSettings"] if s["ResourcePath"] == "/*"]
    assert settings["ThrottlingRateLimit"] > 0
    assert settings["ThrottlingBurstLimit"] > 0
    for method in stage["MethodSettings"]:  # a method's own throttle keeps the stage's logging
        assert method["LoggingLevel"] == "ERROR"
        assert method["DataTraceEnabled"] is False


def _protecting(template_json: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The web ACL associated with the one resource of ``resource_type``."""
    (resource_id,) = resources(template_json, resource_type)
    (acl_id,) = [
        association["WebACLArn"]["Fn::GetAtt"][0]
        for association in resources(template_json, "AWS::WAFv2::WebACLAssociation").values()
        if resource_id in json.dumps(association["ResourceArn"])
    ]
    return resources(template_json, "AWS::WAFv2::WebACL")[acl_id]


@pytest.mark.clause("P2.6")
def test_waf_protects_the_stage(template_json: dict[str, Any]) -> None:
    assert _protecting(template_json, "AWS::ApiGateway::Stage")["Scope"] == "REGIONAL"


@pytest.mark.clause("P2.6")
def test_waf_has_managed_rules_and_a_rate_limit(template_json: dict[str, Any]) -> None:
    acl = _protecting(template_json, "AWS::ApiGateway::Stage")
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
    acl = _protecting(template_json, "AWS::ApiGateway::Stage")
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
    acl = _protecting(template_json, "AWS::ApiGateway::Stage")
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
    configurations = resources(template_json, "AWS::WAFv2::LoggingConfiguration").values()
    logged = {c["ResourceArn"]["Fn::GetAtt"][0] for c in configurations}
    assert logged == set(resources(template_json, "AWS::WAFv2::WebACL"))  # every web ACL's
    for logging in configurations:
        redacted = json.dumps(logging["RedactedFields"]).lower()
        assert "querystring" in redacted
        assert "authorization" in redacted


@pytest.mark.clause("P2.3", "P6.1")
def test_the_user_pools_web_acl_blocks_the_operations_around_the_service(
    template_json: dict[str, Any],
) -> None:
    """Cognito's own public operations that would go around the service (DeleteUser among them)
    are blocked by their X-Amz-Target, compared case-insensitively, and nothing else is."""
    acl = _protecting(template_json, "AWS::Cognito::UserPool")
    assert acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    assert rule["Action"] == {"Block": {}}
    matches = [s["ByteMatchStatement"] for s in rule["Statement"]["OrStatement"]["Statements"]]
    assert all(m["FieldToMatch"] == {"SingleHeader": {"Name": "x-amz-target"}} for m in matches)
    assert all(m["PositionalConstraint"] == "EXACTLY" for m in matches)
    assert all(m["TextTransformations"] == [{"Priority": 0, "Type": "LOWERCASE"}] for m in matches)
    blocked = {
        m["SearchString"].removeprefix("awscognitoidentityproviderservice.") for m in matches
    }
    assert blocked == {name.lower() for name in BLOCKED}
    assert {"deleteuser", "verifyuserattribute", "getuserattributeverificationcode"} <= blocked


@pytest.mark.clause("P2.2", "P2.6")
def test_the_resource_policy_refuses_every_signed_method_to_all_but_the_stacks_roles(
    assembly_dir: Path, template_json: dict[str, Any]
) -> None:
    """The guest, customer and staff roles only: another account's principals, and this
    account's other roles, are refused whatever their own policies allow; preflights (unsigned,
    answered by API Gateway) are allowed to anyone, as a resource policy requires."""
    ((api_props),) = resources(template_json, "AWS::ApiGateway::RestApi").values()
    statements = {s["Sid"]: s for s in api_props["Policy"]["Statement"]}
    assert set(statements) == {"PreflightsFromAnyone", "OnlyThisDeploymentsRoles"}
    preflights, only_ours = (
        statements["PreflightsFromAnyone"],
        statements["OnlyThisDeploymentsRoles"],
    )
    assert (preflights["Effect"], preflights["Principal"]) == ("Allow", "*")
    assert preflights["Resource"] == "execute-api:/*/OPTIONS/*"
    assert (only_ours["Effect"], only_ours["Principal"]) == ("Deny", "*")
    methods = {route.method for route in api_routes(assembly_dir)}
    assert set(only_ours["Resource"]) == {f"execute-api:/*/{m}/*" for m in methods}
    allowed = only_ours["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    roles = resources(template_json, "AWS::IAM::Role")
    (attachment,) = resources(template_json, "AWS::Cognito::IdentityPoolRoleAttachment").values()
    stack_roles = [
        attachment["Roles"]["unauthenticated"],
        attachment["Roles"]["authenticated"],
        *(
            {"Fn::GetAtt": [lid, "Arn"]}
            for lid, props in roles.items()
            if props.get("RoleName") in ("Support", "Compliance", "Admin")
        ),
    ]
    assert sorted(map(json.dumps, allowed)) == sorted(map(json.dumps, stack_roles))
