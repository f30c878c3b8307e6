"""P2.5: CloudTrail with validation and data events; alarms; the admins' dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalogue import ALL_FUNCTIONS
from tests.support.synthesized import resources


def _trail(template_json: dict[str, Any]) -> dict[str, Any]:
    (trail,) = resources(template_json, "AWS::CloudTrail::Trail").values()
    return trail


@pytest.mark.clause("P2.5")
def test_trail_validates_log_files_and_is_encrypted(template_json: dict[str, Any]) -> None:
    trail = _trail(template_json)
    assert trail["EnableLogFileValidation"] is True
    assert "KMSKeyId" in trail
    assert trail["IsMultiRegionTrail"] is True
    assert "CloudWatchLogsLogGroupArn" in trail


@pytest.mark.clause("P2.5")
def test_trail_records_data_events_of_every_table(template_json: dict[str, Any]) -> None:
    selectors = _trail(template_json)["AdvancedEventSelectors"]
    data = [
        s
        for s in selectors
        if {"Field": "eventCategory", "Equals": ["Data"]} in s["FieldSelectors"]
    ]
    (selector,) = data
    fields = {f["Field"]: f["Equals"] for f in selector["FieldSelectors"]}
    assert fields["resources.type"] == ["AWS::DynamoDB::Table"]
    recorded = {arn["Fn::GetAtt"][0] for arn in fields["resources.ARN"]}
    assert recorded == set(resources(template_json, "AWS::DynamoDB::Table"))


@pytest.mark.clause("P2.5")
def test_trail_records_all_management_events_including_kms(template_json: dict[str, Any]) -> None:
    selectors = _trail(template_json)["AdvancedEventSelectors"]
    management = [
        s
        for s in selectors
        if {"Field": "eventCategory", "Equals": ["Management"]} in s["FieldSelectors"]
    ]
    (selector,) = management
    assert len(selector["FieldSelectors"]) == 1  # no eventSource exclusion: KMS calls are kept


@pytest.mark.clause("P2.5")
def test_trail_bucket_is_versioned_logged_and_tls_only(template_json: dict[str, Any]) -> None:
    trail_bucket = _trail(template_json)["S3BucketName"]["Ref"]
    bucket = resources(template_json, "AWS::S3::Bucket")[trail_bucket]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "LoggingConfiguration" in bucket
    assert (
        bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"
        ]["SSEAlgorithm"]
        == "aws:kms"
    )
    policies = [
        p
        for p in resources(template_json, "AWS::S3::BucketPolicy").values()
        if p["Bucket"] == {"Ref": trail_bucket}
    ]
    denies = [
        s for p in policies for s in p["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"
    ]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


@pytest.mark.clause("P2.5")
def test_alarms_cover_api_errors_functions_and_dead_letters(template_json: dict[str, Any]) -> None:
    alarms = resources(template_json, "AWS::CloudWatch::Alarm").values()
    metrics = [(a.get("Namespace"), a.get("MetricName")) for a in alarms]
    assert ("AWS/ApiGateway", "5XXError") in metrics
    assert metrics.count(("AWS/Lambda", "Errors")) == len(ALL_FUNCTIONS)
    assert metrics.count(("AWS/Lambda", "Throttles")) == len(ALL_FUNCTIONS)
    assert metrics.count(("AWS/SQS", "ApproximateNumberOfMessagesVisible")) == 6  # the DLQs
    assert all(a["AlarmActions"] for a in alarms)


@pytest.mark.clause("P2.5")
def test_sms_spend_this_month_is_alarmed_to_the_alarm_topic(template_json: dict[str, Any]) -> None:
    (alarm,) = [
        a
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if a.get("MetricName") == "SMSMonthToDateSpentUSD"
    ]
    assert (alarm["Namespace"], alarm["Statistic"]) == ("AWS/SNS", "Maximum")
    assert "Dimensions" not in alarm  # SNS publishes the account's spend without dimensions
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] > 1
    (topic_id,) = resources(template_json, "AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]


@pytest.mark.clause("P2.5")
def test_admins_have_a_dashboard(template_json: dict[str, Any]) -> None:
    (dashboard,) = resources(template_json, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["DashboardName"] == "OnGptAccounts"
    assert "Alarms" in json.dumps(dashboard["DashboardBody"])
