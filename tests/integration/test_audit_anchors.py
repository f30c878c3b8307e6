"""P2.5, P5: audit entries are keyed and each chain's head is anchored in write-once storage, so
a chain rewritten with every hash recomputed, or cut below its anchor, no longer verifies; the
anchors are chained and keyed, so an anchor forged over a rewritten chain does not verify either."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ongpt.audit.models import GENESIS, Anchor, Entry
from ongpt.platform.clock import timestamp
from tests.support.audit import append
from tests.support.deployed import Deployed, staff
from tests.support.jobs import (
    CONTINUE,
    RunningOut,
    dynamodb_operations,
    run_anchor_job,
    run_scheduled,
)
from tests.support.journeys import audit_items

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
OLD_ANCHOR = ("subject", "sequence", "hash", "mac", "anchored_at")  # an anchor before chaining


def anchor_bucket(aws: Deployed) -> str:
    return aws.function("audit_anchors").environment["AUDIT_ANCHOR_BUCKET"]


def anchored(aws: Deployed, subject: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=anchor_bucket(aws), Prefix=f"{subject}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def anchor_objects(aws: Deployed, subject: str) -> list[bytes]:
    """The chain's anchor objects, newest first."""
    s3 = boto3.client("s3")
    return [
        s3.get_object(Bucket=anchor_bucket(aws), Key=key)["Body"].read()
        for key in anchored(aws, subject)
    ]


def rewrite(aws: Deployed, subject: str, actor: str) -> list[dict[str, Any]]:
    """Every entry of the chain with another actor, each hash and link recomputed (as whoever
    can write the table but not use the audit key can): the items written."""
    dynamodb, table, found = audit_items(aws, subject)
    previous, written = GENESIS, []
    for item in found:
        entry = Entry(
            subject=item["subject"]["S"],
            sequence=int(item["sequence"]["N"]),
            at=item["at"]["S"],
            actor=actor,
            role=item["role"]["S"],
            action=item["action"]["S"],
            purpose=None,
            details={},
            prev_hash=previous,
        )
        previous = entry.computed_hash()
        rewritten = {**item, "actor": {"S": actor}, "prev_hash": {"S": entry.prev_hash}}
        written.append({**rewritten, "hash": {"S": previous}})
        dynamodb.put_item(TableName=table, Item=written[-1])
    return written


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
    # no Scan, no write of any kind (its checkpoints are the Jobs table's: ``ongpt.jobs``)
    assert dynamodb_operations(aws, "audit_anchors", NOW, "AUDIT_TABLE") == {"Query"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_rewritten_with_every_hash_recomputed_is_caught(aws: Deployed) -> None:
    append(aws, "anchor-rewritten", 4, NOW - timedelta(minutes=5))
    assert audit_of(aws, "anchor-rewritten")["verification"]["valid"] is True
    rewrite(aws, "anchor-rewritten", "mallory")
    verification = audit_of(aws, "anchor-rewritten")["verification"]
    assert verification["valid"] is False
    assert verification["first_bad"] == {"sequence": 1, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_each_anchor_names_the_one_before_it_and_is_keyed(aws: Deployed) -> None:
    append(aws, "anchor-linked", 2, NOW - timedelta(minutes=30))
    run_anchor_job(aws, NOW)
    append(aws, "anchor-linked", 1, NOW + timedelta(minutes=20))
    run_anchor_job(aws, NOW + timedelta(hours=1))
    second, first = (json.loads(body) for body in anchor_objects(aws, "anchor-linked"))
    assert (first["previous_sequence"], first["previous_sha256"]) == (0, GENESIS)
    older = anchor_objects(aws, "anchor-linked")[1]
    assert (second["sequence"], second["previous_sequence"]) == (3, 2)
    assert second["previous_sha256"] == hashlib.sha256(older).hexdigest()
    anchor = Anchor(**second)
    kms = boto3.client("kms")
    key = aws.function("audit_anchors").environment["AUDIT_KEY_ID"]
    kms.verify_mac(  # raises KMSInvalidMacException unless the audit key made it
        KeyId=key,
        MacAlgorithm="HMAC_SHA_256",
        Message=bytes.fromhex(anchor.computed_hash()),
        Mac=base64.b64decode(anchor.anchor_mac),
    )
    assert audit_of(aws, "anchor-linked")["verification"]["valid"] is True


@pytest.mark.clause("P2.5", "P5")
def test_an_anchor_forged_at_a_higher_sequence_over_a_rewritten_chain_fails_verification(
    aws: Deployed,
) -> None:
    """Whoever can write the table and the bucket, but not use the audit key, rewrites a chain
    and puts a new newest anchor over it: the chain verified against that anchor alone passed."""
    append(aws, "anchor-forged-over", 3, NOW - timedelta(minutes=5))
    run_anchor_job(aws, NOW)
    dynamodb, table, found = audit_items(aws, "anchor-forged-over")
    beyond = {**found[-1], "sk": {"S": f"{4:012d}"}, "sequence": {"N": "4"}}
    dynamodb.put_item(TableName=table, Item=beyond)  # one entry more, to anchor higher up
    head = rewrite(aws, "anchor-forged-over", "mallory")[-1]
    forged = Anchor("anchor-forged-over", 4, head["hash"]["S"], head["mac"]["S"], timestamp(NOW))
    boto3.client("s3").put_object(
        Bucket=anchor_bucket(aws),
        Key=f"anchor-forged-over/{10**12 - 4:012d}.json",  # AnchorStore's name for sequence 4
        Body=json.dumps({k: v for k, v in asdict(forged).items() if k in OLD_ANCHOR}).encode(),
        IfNoneMatch="*",
    )
    verification = audit_of(aws, "anchor-forged-over")["verification"]
    assert verification["valid"] is False
    assert verification["first_bad"] == {"sequence": 4, "reason": "forged anchor"}
    assert run_anchor_job(aws, NOW + timedelta(hours=1))["unverified"] >= 1  # no link onto it
    assert len(anchored(aws, "anchor-forged-over")) == 2


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


@pytest.mark.clause("P2.5", "P5")
def test_an_hour_stopped_by_its_time_is_finished_by_continuations_each_head_anchored_once(
    aws: Deployed,
) -> None:
    """Pages of one entry: the hour's run stops when its time runs short after 3 pages; each
    continuation takes its bound of 2, until none is left."""
    hour = NOW + timedelta(days=30)  # an hour no other test writes in
    chains = [f"anchor-paged-{n}" for n in range(5)]
    for n, subject in enumerate(chains):
        append(aws, subject, 2, hour - timedelta(minutes=50 - n))
    answers = [run_scheduled(aws, "audit_anchors", hour, page_size=1, context=RunningOut(pages=3))]
    assert answers[0]["more"] is True
    while answers[-1]["more"] and len(answers) < 30:
        answers.append(run_scheduled(aws, "audit_anchors", hour, page_size=1, pages=2, **CONTINUE))
    assert answers[-1]["more"] is False
    assert sum(a["anchored"] for a in answers) == len(chains)
    assert sum(a["unverified"] for a in answers) == 0
    for subject in chains:
        assert len(anchored(aws, subject)) == 1
