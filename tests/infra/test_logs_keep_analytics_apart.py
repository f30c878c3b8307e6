"""P1.3: no log that staff can read joins an analytics event to a person. The analytics table
keeps a truncated address and no identity; the API's access logs keep neither the address nor
the identity id, and the WAF logs, which must keep addresses, keep only blocked or counted
requests, under a key of their own, for 30 days."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.synthesized import resources


@pytest.mark.clause("P1.3")
def test_access_logs_keep_neither_the_client_address_nor_the_identity_id(
    template_json: dict[str, Any],
) -> None:
    (stage,) = resources(template_json, "AWS::ApiGateway::Stage").values()
    logged = set(json.loads(stage["AccessLogSetting"]["Format"]).values())
    assert {"$context.identity.sourceIp", "$context.identity.cognitoIdentityId"}.isdisjoint(logged)
    assert not [value for value in logged if "xff" in value.lower() or "forwarded" in value.lower()]


def _waf_log_groups(template_json: dict[str, Any]) -> list[dict[str, Any]]:
    groups = resources(template_json, "AWS::Logs::LogGroup").values()
    return [g for g in groups if g.get("LogGroupName", "").startswith("aws-waf-logs-")]


@pytest.mark.clause("P1.3")
def test_waf_logs_keep_only_blocked_or_counted_requests(template_json: dict[str, Any]) -> None:
    configurations = resources(template_json, "AWS::WAFv2::LoggingConfiguration").values()
    assert configurations
    for logging in configurations:
        assert logging["LoggingFilter"]["DefaultBehavior"] == "DROP"
        (kept,) = logging["LoggingFilter"]["Filters"]
        assert kept["Behavior"] == "KEEP"
        actions = {c["ActionCondition"]["Action"] for c in kept["Conditions"]}
        assert actions == {"BLOCK", "COUNT"}


@pytest.mark.clause("P1.3")
def test_waf_logs_have_their_own_key_and_a_short_retention(template_json: dict[str, Any]) -> None:
    wafs = _waf_log_groups(template_json)
    assert wafs
    others = [
        g
        for g in resources(template_json, "AWS::Logs::LogGroup").values()
        if g not in wafs and "KmsKeyId" in g
    ]
    assert others, "the other log groups are encrypted too"
    for waf in wafs:
        assert waf["RetentionInDays"] <= 30
        assert all(g["KmsKeyId"] != waf["KmsKeyId"] for g in others)
        (key_id,) = [part for part in waf["KmsKeyId"]["Fn::GetAtt"] if part != "Arn"]
        assert template_json["Resources"][key_id]["Type"] == "AWS::KMS::Key"
