"""SnapStart on the functions that serve people: each API function runs its published version
from a snapshot, API Gateway invokes an alias of it, and only that alias lets API Gateway in."""

from __future__ import annotations

import re
from typing import Any

from infra.catalogue import ALL_FUNCTIONS, API_FUNCTIONS, FunctionSpec
from infra.functions import LIVE
from infra.gateway import STAGE
from tests.support.synthesized import logical_id, resources

PUBLISHED_VERSIONS = {"ApplyOn": "PublishedVersions"}


def _function(template_json: dict[str, Any], spec: FunctionSpec) -> str:
    return logical_id(template_json, f"/{spec.name.title().replace('_', '')}/Function/Resource")


def _aliases(template_json: dict[str, Any]) -> dict[str, str]:
    """Function logical id -> the logical id of its ``live`` alias, whose version is its own."""
    versions = resources(template_json, "AWS::Lambda::Version")
    aliases = {}
    for alias_id, alias in resources(template_json, "AWS::Lambda::Alias").items():
        function = alias["FunctionName"]["Ref"]
        version_id, _ = alias["FunctionVersion"]["Fn::GetAtt"]
        assert (alias["Name"], versions[version_id]["FunctionName"]) == (LIVE, {"Ref": function})
        aliases[function] = alias_id
    return aliases


def test_api_functions_and_only_they_run_published_versions_from_a_snapshot(
    template_json: dict[str, Any],
) -> None:
    functions = resources(template_json, "AWS::Lambda::Function")
    aliases = _aliases(template_json)
    for spec in ALL_FUNCTIONS:
        function = _function(template_json, spec)
        serves_people = spec in API_FUNCTIONS
        assert (functions[function].get("SnapStart") == PUBLISHED_VERSIONS) == serves_people
        assert (function in aliases) == serves_people, spec.name


def test_api_gateway_invokes_each_functions_alias_and_only_the_alias_lets_it_in(
    template_json: dict[str, Any],
) -> None:
    """One permission per alias, from any method of this API's stage, none on ``$LATEST``."""
    aliases = _aliases(template_json)
    (api,) = resources(template_json, "AWS::ApiGateway::RestApi")
    methods = resources(template_json, "AWS::ApiGateway::Method").values()
    invoked = {
        part["Ref"]
        for method in methods
        if method["Integration"]["Type"] == "AWS_PROXY"
        for part in method["Integration"]["Uri"]["Fn::Join"][1]
        if isinstance(part, dict) and "Ref" in part
    }
    assert invoked == set(aliases.values())
    permissions = [
        p
        for p in resources(template_json, "AWS::Lambda::Permission").values()
        if p["Principal"] == "apigateway.amazonaws.com"
    ]
    assert sorted(p["FunctionName"]["Ref"] for p in permissions) == sorted(aliases.values())
    for permission in permissions:
        region, *rest = permission["SourceArn"]["Fn::Join"][1]
        assert re.fullmatch(r"arn:aws:execute-api:[a-z]+-[a-z]+-\d:", region)
        assert rest == [{"Ref": "AWS::AccountId"}, ":", {"Ref": api}, f"/{STAGE}/*/*"]
