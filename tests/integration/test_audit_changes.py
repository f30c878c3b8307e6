"""P2.5, P5: every change to an existing audit entry raises an alarm. The audit table's stream
(old and new images) feeds ``audit_changes`` its changed and removed items only (the mapping's
filter): appends never invoke it; an overwrite by an appending function, which that function's
role allows, and a removal are each counted as ``AuditEntriesChanged``, the alarm's metric, and
logged by subject and sequence."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest

from ongpt.platform.aws import client
from tests.support.audit import append
from tests.support.deployed import Deployed
from tests.support.journeys import audit_items
from tests.support.least_privilege import Comparison, Resources, Use
from tests.support.metrics import emitted

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CHANGED = "AuditEntriesChanged"


def changes(log: io.StringIO) -> list[dict[str, Any]]:
    """What ``audit_changes`` logged of each change, as Lambda would keep it."""
    lines = [json.loads(line) for line in log.getvalue().splitlines() if line.startswith("{")]
    keys = ("change", "subject", "sequence", "attributes")
    return [
        {key: line[key] for key in keys}
        for line in lines
        if line.get("code") == "AUDIT_ENTRY_CHANGED"
    ]


def alarmed_metric(aws: Deployed) -> tuple[str, str, list[dict[str, str]]]:
    (alarm,) = [
        props
        for _, props in aws.template.of_type("AWS::CloudWatch::Alarm")
        if props["AlarmName"].endswith(f"-{CHANGED}")
    ]
    return alarm["Namespace"], alarm["MetricName"], alarm["Dimensions"]


def written(aws: Deployed, subject: str) -> list[dict[str, Any]]:
    """Two entries appended to a chain, their (filtered) stream records polled: its items."""
    append(aws, subject, 2, NOW)
    aws.deliver_notices()
    return audit_items(aws, subject)[2]


@pytest.mark.clause("P2.5", "P5")
def test_appends_never_invoke_the_consumer(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    written(aws, "changes-appended")
    assert emitted(capsys.readouterr().out, CHANGED) == []


@pytest.mark.clause("P2.5", "P5")
def test_an_overwrite_by_an_appending_function_raises_the_alarm(
    aws: Deployed, capsys: pytest.CaptureFixture[str], every_log_line: io.StringIO
) -> None:
    first, _ = written(aws, "changes-overwritten")
    capsys.readouterr()
    resources = Resources(aws.template, aws.resolver)
    contracts = aws.template.resources[aws.function("contracts").logical_id]["Properties"]
    table_arn = next(arn for name, (arn, *_) in resources.tables.items() if "Audit" in name)
    put = Use("dynamodb:PutItem", table_arn)  # what the function's role allows: any put
    assert Comparison({put}, resources.grants(contracts["Role"]["Fn::GetAtt"][0])).missing() == []
    with aws.environment_of("contracts"):  # the function's own client and table
        client("dynamodb").put_item(
            TableName=os.environ["AUDIT_TABLE"], Item={**first, "actor": {"S": "mallory"}}
        )
    aws.deliver_notices()
    output = capsys.readouterr().out
    assert emitted(output, CHANGED) == [1]
    (blob,) = [json.loads(line) for line in output.splitlines() if f'"{CHANGED}"' in line]
    (metric,) = blob["_aws"]["CloudWatchMetrics"]
    dimensions = [{"Name": name, "Value": blob[name]} for name in metric["Dimensions"][0]]
    assert alarmed_metric(aws) == (metric["Namespace"], CHANGED, dimensions)
    assert changes(every_log_line) == [
        {
            "change": "MODIFY",
            "subject": "changes-overwritten",
            "sequence": 1,
            "attributes": ["actor"],
        }
    ]


@pytest.mark.clause("P2.5", "P5")
def test_a_removed_entry_raises_the_alarm(
    aws: Deployed, capsys: pytest.CaptureFixture[str], every_log_line: io.StringIO
) -> None:
    """No function may delete an entry (IAM, the table's policy); an administrator who changed
    that policy could, and the stream still tells."""
    _, second = written(aws, "changes-removed")
    capsys.readouterr()
    dynamodb, table, _ = audit_items(aws, "changes-removed")
    dynamodb.delete_item(TableName=table, Key={"pk": second["pk"], "sk": second["sk"]})
    aws.deliver_notices()
    output = capsys.readouterr().out
    assert emitted(output, CHANGED) == [1]
    (change,) = changes(every_log_line)
    assert (change["change"], change["subject"], change["sequence"]) == (
        "REMOVE",
        "changes-removed",
        2,
    )
