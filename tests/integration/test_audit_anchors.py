"""P2.5, P5: audit entries are keyed and each chain's head is anchored in write-once storage, so
a chain rewritten with every hash recomputed, or cut below its anchor, no longer verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ongpt.audit.service import GENESIS, Entry
from ongpt.platform.clock import timestamp
from tests.support.audit import append
from tests.support.deployed import Deployed, staff
from tests.support.jobs import dynamodb_operations, run_anchor_job
from tests.support.journeys import audit_items

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def anchor_bucket(aws: Deployed) -> str:
    return aws.function("audit_anchors").environment["AUDIT_ANCHOR_BUCKET"]


def anchored(aws: Deployed, subject: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=anchor_bucket(aws), Prefix=f"{subject}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def audit_of(aws: Deployed, subject: str) -> dict[str, Any]:
    query = {"customer_id": subject}
    status, body = aws.call(
        "audit", "GET", "/v1/staff/audit", identity=staff("Compliance"), query=query
    )
    assert status == 200, body
    return body


@pytest.mark.clause("P2.5", "P5")
def test_the_job_anchors_the_head_of_each_chain_written_to_once(aws: Deployed) -> None:
    append(aws, "anchor-a", 3, NOW - timedelta(minutes=30))
    append(aws, "anchor-b", 2, NOW - timedelta(minutes=10))
    append(aws, "anchor-old", 2, NOW - timedelta(days=2))
    counts = run_anchor_job(aws, NOW)
    assert counts["anchored"] >= 2
    assert len(anchored(aws, "anchor-a")) == 1
    assert len(anchored(aws, "anchor-b")) == 1
    assert anchored(aws, "anchor-old") == []  # not written to since the last runs
    again = run_anchor_job(aws, NOW + timedelta(hours=1))
    assert again["anchored"] == 0
    append(aws, "anchor-a", 1, NOW + timedelta(hours=1, minutes=20))
    later = run_anchor_job(aws, NOW + timedelta(hours=2))
    assert later["anchored"] == 1
    assert len(anchored(aws, "anchor-a")) == 2


@pytest.mark.clause("P2.5", "P5")
def test_an_anchor_is_locked_in_compliance_mode_for_seven_years(aws: Deployed) -> None:
    append(aws, "anchor-locked", 1, NOW - timedelta(minutes=5))
    run_anchor_job(aws, NOW)
    (key,) = anchored(aws, "anchor-locked")
    s3 = boto3.client("s3")
    # moto answers GetObjectRetention with a 500 for a default retention; HeadObject shows it.
    head = s3.head_object(Bucket=anchor_bucket(aws), Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=7 * 365 - 3)
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=anchor_bucket(aws), Key=key, VersionId=head["VersionId"])
    with pytest.raises(ClientError, match="PreconditionFailed"):
        s3.put_object(Bucket=anchor_bucket(aws), Key=key, Body=b"{}", IfNoneMatch="*")


@pytest.mark.clause("P2.5", "P5")
def test_the_job_reads_the_audit_table_by_query_only(aws: Deployed) -> None:
    append(aws, "anchor-queries", 2, NOW - timedelta(minutes=5))
    # no Scan, no write of any kind
    assert dynamodb_operations(aws, "audit_anchors", NOW) == {"Query"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_rewritten_with_every_hash_recomputed_is_caught(aws: Deployed) -> None:
    append(aws, "anchor-rewritten", 4, NOW - timedelta(minutes=5))
    assert audit_of(aws, "anchor-rewritten")["verification"]["valid"] is True
    dynamodb, table, found = audit_items(aws, "anchor-rewritten")
    previous = GENESIS
    for item in found:  # rewrite the actor everywhere, recomputing each hash and link
        entry = Entry(
            subject=item["subject"]["S"],
            sequence=int(item["sequence"]["N"]),
            at=item["at"]["S"],
            actor="mallory",
            role=item["role"]["S"],
            action=item["action"]["S"],
            purpose=None,
            details={},
            prev_hash=previous,
        )
        previous = entry.computed_hash()
        rewritten = {**item, "actor": {"S": "mallory"}, "prev_hash": {"S": entry.prev_hash}}
        dynamodb.put_item(TableName=table, Item={**rewritten, "hash": {"S": previous}})
    verification = audit_of(aws, "anchor-rewritten")["verification"]
    assert verification["valid"] is False
    assert verification["first_bad"] == {"sequence": 1, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_cut_below_its_anchor_is_caught(aws: Deployed) -> None:
    append(aws, "anchor-cut", 4, NOW - timedelta(minutes=5))
    run_anchor_job(aws, NOW)
    dynamodb, table, found = audit_items(aws, "anchor-cut")
    for item in found[2:]:
        dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    body = audit_of(aws, "anchor-cut")
    assert len(body["entries"]) < 4
    assert body["verification"]["valid"] is False
    assert body["verification"]["first_bad"] == {
        "sequence": len(body["entries"]) + 1,
        "reason": "missing",
    }


@pytest.mark.clause("P2.5", "P5")
def test_the_job_does_not_anchor_a_chain_it_cannot_verify_and_says_so(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    append(aws, "anchor-forged", 2, NOW - timedelta(minutes=5))
    dynamodb, table, found = audit_items(aws, "anchor-forged")
    dynamodb.put_item(TableName=table, Item={**found[1], "mac": {"S": ""}})
    counts = run_anchor_job(aws, NOW)
    assert counts["unverified"] >= 1
    assert anchored(aws, "anchor-forged") == []
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    (emitted,) = [m for m in metrics if "AuditChainsUnverified" in m]  # what the alarm watches
    assert emitted["AuditChainsUnverified"] == [counts["unverified"]]


@pytest.mark.clause("P2.5", "P5")
def test_entries_are_written_with_their_mac_and_their_day_partition(aws: Deployed) -> None:
    (entry,) = append(aws, "anchor-shape", 1, NOW)
    _, _, (item,) = audit_items(aws, "anchor-shape")
    assert item["mac"]["S"] == entry.mac != ""
    assert item["written_day"]["S"].startswith(timestamp(NOW)[:10] + "#")
