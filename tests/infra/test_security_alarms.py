"""P2.5: the alarms a security team watches, each with its metric, filter and threshold, to the
alarm topic; the audit verification job daily; business figures on the admins' dashboard; the
API's URL as a stack output for the staff CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.security_alarms import API_FORBIDDEN_SPIKE, SES_BOUNCE_RATE, SES_COMPLAINT_RATE
from ongpt_staff.connect import API_URL_OUTPUT
from tests.support.synthesized import logical_id, resources

AUDIT_TABLE = "/Data/Audit/Resource"


def alarm(template_json: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [
        a
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if a["AlarmName"] == f"OnGptAccounts-{name}"
    ]
    (topic,) = resources(template_json, "AWS::SNS::Topic")
    assert found["AlarmActions"] == [{"Ref": topic}]
    return found


def pattern(template_json: dict[str, Any], metric: str) -> tuple[str, str]:
    """The filter pattern counted as ``metric`` (tokens as ``<Ref>``), and its log group's id."""
    (found,) = [
        f
        for f in resources(template_json, "AWS::Logs::MetricFilter").values()
        if f["MetricTransformations"][0]["MetricName"] == metric
    ]
    (transformation,) = found["MetricTransformations"]
    assert (transformation["MetricNamespace"], transformation["MetricValue"]) == (
        "OnGptAccounts/Security",
        "1",
    )
    text = found["FilterPattern"]
    if isinstance(text, dict):
        text = "".join(
            part if isinstance(part, str) else f"<{json.dumps(part)}>"
            for part in text["Fn::Join"][1]
        )
    return text, found["LogGroupName"]["Ref"]


def on_the_trail(template_json: dict[str, Any], name: str, *expected: str) -> None:
    """One matching CloudTrail event in 5 minutes raises alarm ``name``; its filter holds each
    of ``expected``."""
    found = alarm(template_json, name)
    assert (found["Namespace"], found["MetricName"]) == ("OnGptAccounts/Security", name)
    assert (found["Statistic"], found["Period"], found["Threshold"]) == ("Sum", 300, 1)
    assert found["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    text, log_group = pattern(template_json, name)
    (trail,) = resources(template_json, "AWS::CloudTrail::Trail").values()
    assert trail["CloudWatchLogsLogGroupArn"] == {"Fn::GetAtt": [log_group, "Arn"]}
    for part in expected:
        assert part in text, (name, part, text)


@pytest.mark.clause("P2.5")
def test_kms_keys_disabled_or_scheduled_for_deletion(template_json: dict[str, Any]) -> None:
    on_the_trail(
        template_json,
        "KmsKeyDisabledOrDeletionScheduled",
        '$.eventSource = "kms.amazonaws.com"',
        '$.eventName = "DisableKey"',
        '$.eventName = "ScheduleKeyDeletion"',
    )


@pytest.mark.clause("P2.5")
def test_kms_key_policies_changed(template_json: dict[str, Any]) -> None:
    on_the_trail(
        template_json,
        "KmsKeyPolicyChanged",
        '$.eventName = "PutKeyPolicy"',
        '$.eventName = "DisableKeyRotation"',
    )


@pytest.mark.clause("P2.5")
def test_changes_to_our_iam_roles_and_their_policies(template_json: dict[str, Any]) -> None:
    on_the_trail(
        template_json,
        "IamRoleOrPolicyChanged",
        '$.eventSource = "iam.amazonaws.com"',
        "$.readOnly IS FALSE",
        '$.requestParameters.roleName = "OnGptAccounts-*"',
        *(
            f'$.requestParameters.roleName = "{role}"'
            for role in ("Support", "Compliance", "Admin")
        ),
    )


@pytest.mark.clause("P2.5")
def test_writes_to_the_audit_table_by_anything_but_our_functions(
    template_json: dict[str, Any],
) -> None:
    table = logical_id(template_json, AUDIT_TABLE)
    on_the_trail(
        template_json,
        "AuditTableWrittenByOthers",
        '$.eventSource = "dynamodb.amazonaws.com"',
        *(f'$.eventName = "{w}"' for w in ("PutItem", "UpdateItem", "DeleteItem")),
        f'$.requestParameters.tableName = "<{{"Ref": "{table}"}}>"',
        f'$.resources[0].ARN = "<{{"Fn::GetAtt": ["{table}", "Arn"]}}>"',
        '$.userIdentity.sessionContext.sessionIssuer.userName != "OnGptAccounts-*"',
    )


@pytest.mark.clause("P2.5")
def test_root_use_and_cloudtrail_stopped(template_json: dict[str, Any]) -> None:
    on_the_trail(template_json, "RootAccountUsed", '$.userIdentity.type = "Root"')
    on_the_trail(
        template_json,
        "CloudTrailChanged",
        '$.eventName = "StopLogging"',
        '$.eventName = "DeleteTrail"',
        '$.eventName = "UpdateTrail"',
    )
    silent = alarm(template_json, "CloudTrailSilent")
    assert (silent["Namespace"], silent["MetricName"]) == ("AWS/Logs", "IncomingLogEvents")
    assert (silent["Period"], silent["Threshold"]) == (3600, 1)
    assert silent["ComparisonOperator"] == "LessThanThreshold"
    assert silent["TreatMissingData"] == "breaching"  # no data at all is the worst case


@pytest.mark.clause("P2.5")
def test_a_spike_of_403s_on_the_api(template_json: dict[str, Any]) -> None:
    found = alarm(template_json, "ApiForbiddenSpike")
    assert found["MetricName"] == "ApiForbidden"
    assert (found["Statistic"], found["Period"]) == ("Sum", 300)
    assert found["Threshold"] == API_FORBIDDEN_SPIKE
    text, log_group = pattern(template_json, "ApiForbidden")
    assert text == '{ $.status = "403" }'
    assert log_group == logical_id(template_json, "/Api/AccessLogs/Resource")


@pytest.mark.clause("P2.5")
def test_ses_bounce_and_complaint_rates_before_aws_reviews_the_account(
    template_json: dict[str, Any],
) -> None:
    for name, metric, threshold in (
        ("SesBounceRate", "Reputation.BounceRate", SES_BOUNCE_RATE),
        ("SesComplaintRate", "Reputation.ComplaintRate", SES_COMPLAINT_RATE),
    ):
        found = alarm(template_json, name)
        assert (found["Namespace"], found["MetricName"]) == ("AWS/SES", metric)
        assert (found["Statistic"], found["Threshold"]) == ("Maximum", threshold)
    assert (SES_BOUNCE_RATE, SES_COMPLAINT_RATE) == (0.05, 0.001)  # AWS's review levels


@pytest.mark.clause("P2.5")
def test_a_broken_audit_chain_found_by_the_daily_verification(
    template_json: dict[str, Any],
) -> None:
    found = alarm(template_json, "AuditChainsBroken")
    assert (found["Namespace"], found["MetricName"]) == ("OnGptAccounts", "AuditChainsBroken")
    assert found["Dimensions"] == [{"Name": "service", "Value": "audit_verification"}]
    assert (found["Statistic"], found["Threshold"]) == ("Sum", 1)
    (schedule,) = [
        s
        for s in resources(template_json, "AWS::Scheduler::Schedule").values()
        if s["Name"] == "audit-verification"
    ]
    assert schedule["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Ho_Chi_Minh"


@pytest.mark.clause("P2.5")
def test_the_dashboard_shows_business_figures_beside_the_operational_ones(
    template_json: dict[str, Any],
) -> None:
    (dashboard,) = resources(template_json, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["DashboardBody"])
    for figure in (
        "Registrations",
        "CodesSent",
        "EditRequests",
        "Complaints",
        "QueueLength",
        "QueueOldestAgeHours",
        "RemindersDue",
        "RemindersSent",
        "5XXError",
    ):
        assert f'\\"{figure}\\"' in body, figure  # a metric's name, quoted, not a title
    assert "SEARCH('{OnGptAccounts,channel,limit,service} MetricName=" in body  # every limit


@pytest.mark.clause("P2.5")
def test_the_stack_outputs_the_api_url_the_staff_cli_reads(template_json: dict[str, Any]) -> None:
    output = template_json["Outputs"][API_URL_OUTPUT]
    assert "execute-api" in json.dumps(output["Value"])
