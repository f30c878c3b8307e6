"""P2.5, P5: the daily audit verification reads every chain written to since its last run from
its first entry, against its anchor and the audit key, and raises ``AuditChainsBroken`` (what
the alarm of that name watches) for a chain that was changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.audit import append
from tests.support.deployed import Deployed
from tests.support.jobs import (
    CONTINUE,
    RunningOut,
    dynamodb_operations,
    run_anchor_job,
    run_scheduled,
)
from tests.support.journeys import audit_items
from tests.support.metrics import emitted

NOW = datetime(2026, 11, 26, 20, 30, tzinfo=UTC)


def verify_all(aws: Deployed, now: datetime) -> dict[str, Any]:
    return run_scheduled(aws, "audit_verification", now)  # type: ignore[no-any-return]


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_changed_below_its_anchor_raises_the_broken_chain_metric(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    append(aws, "verify-honest", 2, NOW - timedelta(hours=3))
    append(aws, "verify-tampered", 3, NOW - timedelta(hours=2))
    run_anchor_job(aws, NOW - timedelta(hours=1))
    clean = verify_all(aws, NOW)
    assert clean["broken"] == 0
    assert clean["verified"] >= 2
    assert emitted(capsys.readouterr().out, "AuditChainsBroken") == [0]

    dynamodb, table, found = audit_items(aws, "verify-tampered")
    dynamodb.put_item(TableName=table, Item={**found[0], "actor": {"S": "mallory"}})
    answer = verify_all(aws, NOW)
    assert answer["broken"] == 1
    assert answer["broken_chains"] == ["verify-tampered"]
    assert emitted(capsys.readouterr().out, "AuditChainsBroken") == [1]


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_cut_below_its_anchor_is_found_without_anyone_reading_it(aws: Deployed) -> None:
    append(aws, "verify-cut", 4, NOW - timedelta(hours=5))
    run_anchor_job(aws, NOW - timedelta(hours=4))
    dynamodb, table, found = audit_items(aws, "verify-cut")
    for item in found[2:]:
        dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert "verify-cut" in verify_all(aws, NOW)["broken_chains"]


@pytest.mark.clause("P2.5", "P5")
def test_chains_not_written_to_since_the_last_run_are_not_read_again(aws: Deployed) -> None:
    append(aws, "verify-old", 1, NOW - timedelta(days=3))
    dynamodb, table, (item,) = audit_items(aws, "verify-old")
    dynamodb.put_item(TableName=table, Item={**item, "actor": {"S": "mallory"}})
    assert "verify-old" not in verify_all(aws, NOW)["broken_chains"]


@pytest.mark.clause("P2.5", "P5")
def test_the_job_reads_the_audit_table_by_query_only(aws: Deployed) -> None:
    append(aws, "verify-queries", 2, NOW - timedelta(minutes=5))
    # no Scan, no write of any kind (its checkpoints are the Jobs table's: ``ongpt.jobs``)
    assert dynamodb_operations(aws, "audit_verification", NOW, "AUDIT_TABLE") == {"Query"}


@pytest.mark.clause("P2.5", "P5")
def test_a_day_stopped_by_its_time_is_finished_by_continuations_each_chain_verified(
    aws: Deployed,
) -> None:
    """Pages of one entry (a chain each): the day's run stops when its time runs short after 2
    pages; each continuation takes its bound of 3, until none is left. The broken chain is
    named once, every other one is verified once."""
    day = NOW + timedelta(days=10)  # a day no other test writes on
    chains = [f"verify-paged-{n}" for n in range(4)]
    for n, subject in enumerate(chains):
        append(aws, subject, 1, day - timedelta(hours=2, minutes=n))
    dynamodb, table, (item,) = audit_items(aws, chains[2])
    dynamodb.put_item(TableName=table, Item={**item, "actor": {"S": "mallory"}})
    job = "audit_verification"
    answers = [run_scheduled(aws, job, day, page_size=1, context=RunningOut(pages=2))]
    assert answers[0]["more"] is True
    while answers[-1]["more"] and len(answers) < 30:
        answers.append(run_scheduled(aws, job, day, page_size=1, pages=3, **CONTINUE))
    assert answers[-1]["more"] is False
    assert [name for a in answers for name in a["broken_chains"]] == [chains[2]]
    assert sum(a["verified"] for a in answers) == len(chains) - 1
