"""P2.5, P5: audit entries keyed with a key of their own, chain heads anchored in a write-once
bucket every hour by the anchor job alone, only the appending functions may write the audit
table, and any change to an entry raises an alarm."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalogue import ALL_FUNCTIONS, Need
from tests.support.synthesized import logical_id, resources, role_statements

WRITES = ("dynamodb:putitem", "dynamodb:updateitem", "dynamodb:deleteitem", "dynamodb:batchwrite")


def _role(template_json: dict[str, Any], spec_name: str) -> str:
    construct = spec_name.title().replace("_", "")
    return logical_id(template_json, f"/{construct}/Role/Resource")


def _roles_needing(template_json: dict[str, Any], *needs: Need) -> set[str]:
    return {
        _role(template_json, spec.name)
        for spec in ALL_FUNCTIONS
        if any(need in spec.needs for need in needs)
    }


def _anchor_bucket(template_json: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    bucket_id = logical_id(template_json, "/Anchors/Bucket/Resource")
    return bucket_id, resources(template_json, "AWS::S3::Bucket")[bucket_id]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.clause("P2.5", "P5")
def test_the_anchor_bucket_locks_each_anchor_in_compliance_mode_for_seven_years(
    template_json: dict[str, Any],
) -> None:
    _, bucket = _anchor_bucket(template_json)
    assert bucket["ObjectLockEnabled"] is True
    retention = bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert retention["Days"] >= 7 * 365
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "DestinationBucketName" in bucket["LoggingConfiguration"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())


@pytest.mark.clause("P2.5", "P5")
def test_the_anchor_bucket_refuses_anyone_an_overwrite_a_delete_or_plain_http(
    template_json: dict[str, Any],
) -> None:
    bucket_id, _ = _anchor_bucket(template_json)
    (policy,) = [
        props["PolicyDocument"]["Statement"]
        for props in resources(template_json, "AWS::S3::BucketPolicy").values()
        if props["Bucket"] == {"Ref": bucket_id}
    ]
    denied = {
        (action, str(statement.get("Condition")))
        for statement in policy
        if statement["Effect"] == "Deny" and statement["Principal"] == {"AWS": "*"}
        for action in _as_list(statement["Action"])
    }
    assert ("s3:PutObject", str({"Null": {"s3:if-none-match": "true"}})) in denied
    assert ("s3:DeleteObject", "None") in denied
    assert ("s3:DeleteObjectVersion", "None") in denied
    assert ("s3:*", str({"Bool": {"aws:SecureTransport": "false"}})) in denied
    job = {"Fn::GetAtt": [_role(template_json, "audit_anchors"), "Arn"]}
    only_the_job = {"ArnNotEquals": {"aws:PrincipalArn": job}}  # a forged anchor's put, too
    assert ("s3:PutObject", str(only_the_job)) in denied


@pytest.mark.clause("P2.5", "P5")
def test_audit_entries_are_keyed_with_an_hmac_key_of_their_own(
    template_json: dict[str, Any],
) -> None:
    key_id = logical_id(template_json, "/Keys/AuditKey/Resource")
    key = resources(template_json, "AWS::KMS::Key")[key_id]
    assert (key["KeySpec"], key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    granted: dict[str, set[str]] = {}
    for statement in key["KeyPolicy"]["Statement"]:
        for principal in _as_list(statement["Principal"].get("AWS", [])):
            if "Fn::GetAtt" in principal:
                for action in _as_list(statement["Action"]):
                    granted.setdefault(action, set()).add(principal["Fn::GetAtt"][0])
    assert granted == {  # the anchor job keys each anchor it writes
        "kms:GenerateMac": _roles_needing(template_json, Need.AUDIT_APPEND, Need.AUDIT_ANCHOR),
        "kms:VerifyMac": {
            _role(template_json, name) for name in ("audit", "audit_anchors", "audit_verification")
        },
    }


@pytest.mark.clause("P2.5", "P5")
def test_only_appending_functions_may_write_the_audit_table(template_json: dict[str, Any]) -> None:
    table = logical_id(template_json, "/Data/Audit/Resource")
    writers = set()
    for role in resources(template_json, "AWS::IAM::Role"):
        for statement in role_statements(template_json, role):
            actions = {a.lower() for a in _as_list(statement["Action"])}
            on_table = table in str(statement["Resource"])
            if (
                statement["Effect"] == "Allow"
                and on_table
                and any(a.startswith(WRITES) for a in actions)
            ):
                writers.add(role)
    appenders = _roles_needing(template_json, Need.AUDIT_APPEND)
    assert writers == appenders
    assert _role(template_json, "audit_anchors") not in writers
    assert _role(template_json, "audit_verification") not in writers


@pytest.mark.clause("P2.5", "P5")
def test_the_anchor_job_runs_every_hour_and_may_only_add_anchors(
    template_json: dict[str, Any],
) -> None:
    (schedule,) = [
        props
        for props in resources(template_json, "AWS::Scheduler::Schedule").values()
        if props["Name"] == "audit-anchors"
    ]
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    bucket_id, _ = _anchor_bucket(template_json)
    s3_actions = {
        action
        for statement in role_statements(template_json, _role(template_json, "audit_anchors"))
        if bucket_id in str(statement["Resource"])
        for action in _as_list(statement["Action"])
    }
    # It reads a chain's newest anchor to verify from it; it writes new anchors, never others.
    assert s3_actions == {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_the_job_cannot_verify_raises_an_alarm(template_json: dict[str, Any]) -> None:
    (alarm,) = [
        props
        for props in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if props.get("MetricName") == "AuditChainsUnverified"
    ]
    assert alarm["Namespace"] == "OnGptAccounts"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "audit_anchors"}]
    assert alarm["AlarmActions"]


@pytest.mark.clause("P2.5", "P5")
def test_the_audit_tables_own_policy_lets_only_appenders_put_and_no_one_change_or_delete(
    template_json: dict[str, Any],
) -> None:
    table = resources(template_json, "AWS::DynamoDB::Table")[
        logical_id(template_json, "/Data/Audit/Resource")
    ]
    statements = {s["Sid"]: s for s in table["ResourcePolicy"]["PolicyDocument"]["Statement"]}
    put = statements["OnlyAppendersPut"]
    assert (put["Effect"], put["Principal"]) == ("Deny", {"AWS": "*"})
    assert "dynamodb:PutItem" in put["Action"]
    excepted = put["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert {arn["Fn::GetAtt"][0] for arn in excepted} == _roles_needing(
        template_json, Need.AUDIT_APPEND
    )
    change = statements["NoOneChangesOrDeletesEntries"]
    assert (change["Effect"], change["Principal"], change.get("Condition")) == (
        "Deny",
        {"AWS": "*"},
        None,
    )
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= set(
        change["Action"]
    )


@pytest.mark.clause("P2.5", "P5")
def test_any_change_to_an_audit_entry_reaches_an_alarm_through_the_tables_stream(
    template_json: dict[str, Any],
) -> None:
    table_id = logical_id(template_json, "/Data/Audit/Resource")
    table = resources(template_json, "AWS::DynamoDB::Table")[table_id]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    (mapping,) = [
        props
        for props in resources(template_json, "AWS::Lambda::EventSourceMapping").values()
        if props["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    ]
    function = resources(template_json, "AWS::Lambda::Function")[mapping["FunctionName"]["Ref"]]
    assert function["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "audit_changes"
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert patterns == [{"eventName": ["MODIFY", "REMOVE"]}]  # appends never invoke it
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    dead_letters = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    alarms = list(resources(template_json, "AWS::CloudWatch::Alarm").values())
    assert any(  # a batch it gave up on is alarmed too
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}
        in alarm.get("Dimensions", [])
        for alarm in alarms
    )
    (changed,) = [a for a in alarms if a.get("MetricName") == "AuditEntriesChanged"]
    assert changed["Namespace"] == "OnGptAccounts"
    assert changed["Dimensions"] == [{"Name": "service", "Value": "audit_changes"}]
    assert (changed["Statistic"], changed["Threshold"]) == ("Sum", 1)
    assert changed["AlarmActions"]
