"""P2.5: the admins' dashboard shows business figures beside the operational ones; the code that
knows each figure emits it (CloudWatch EMF on stdout), once per move, never a personal value."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.deployed import Deployed, guest, staff
from tests.support.erasure import close, hold
from tests.support.jobs import run_erasure
from tests.support.journeys import e164, me, registered
from tests.support.lifecycle import start_recovery
from tests.support.phones import new_phone

Figure = tuple[str, tuple[tuple[str, str], ...]]  # a metric's name and dimensions (sorted)


def _each_value(output: str) -> Iterator[tuple[Figure, float]]:
    """Every value of every metric in the EMF lines of ``output``."""
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        blob: dict[str, Any] = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            dimensions = tuple(
                sorted((d, str(blob[d])) for group in directive["Dimensions"] for d in group)
            )
            for metric in directive["Metrics"]:
                values = blob[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    yield (metric["Name"], dimensions), float(value)


def emitted(output: str) -> Counter[Figure]:
    """Each metric emitted, with its dimensions (sorted), and how many times."""
    return Counter(figure for figure, _ in _each_value(output))


def totals(output: str) -> dict[Figure, float]:
    """Each metric emitted, with its dimensions (sorted), and the sum of its values."""
    summed: dict[Figure, float] = {}
    for figure, value in _each_value(output):
        summed[figure] = summed.get(figure, 0) + value
    return summed


@pytest.mark.clause("P2.5")
def test_registrations_started_and_completed_and_codes_sent_are_counted(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    body, _ = registered(aws)
    figures = emitted(capsys.readouterr().out)
    registration = ("service", "registration")
    assert figures[("Registrations", (registration, ("status", "PENDING_VERIFICATION")))] == 1
    assert figures[("Registrations", (registration, ("status", "ACTIVE")))] == 1
    codes = ("service", "registration_codes")
    assert figures[("CodesSent", (("channel", "email"), codes))] == 1
    assert figures[("CodesSent", (("channel", "phone"), codes))] == 1
    values = {value for _, dimensions in figures for _, value in dimensions}
    assert not {body["email"], e164(body["phone"])} & values


@pytest.mark.clause("P2.5")
def test_complaints_by_status_and_the_open_queue_with_its_oldest_age(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    filing = {
        "category": "service",
        "subject": "Chậm",
        "message": "Trang tải chậm.",
        "contact": {"email": "khach@example.com"},
    }
    status, filed = aws.call("complaints", "POST", "/v1/complaints", identity=guest(), body=filing)
    assert status == 201
    support = staff("Support")
    listed = aws.call("complaints", "GET", "/v1/staff/complaints", identity=support, query={})
    assert listed[0] == 200
    path = f"/v1/staff/complaints/{filed['complaint_id']}"
    moved = aws.call("complaints", "PATCH", path, identity=support, body={"status": "IN_PROGRESS"})
    assert moved[0] == 200
    figures = emitted(capsys.readouterr().out)
    complaints = ("service", "complaints")
    assert figures[("Complaints", (complaints, ("status", "OPEN")))] == 1
    assert figures[("Complaints", (complaints, ("status", "IN_PROGRESS")))] == 1
    queue = (("queue", "complaints"), complaints, ("status", "OPEN"))
    assert figures[("QueueLength", queue)] == 1
    assert figures[("QueueOldestAgeHours", queue)] == 1


@pytest.mark.clause("P2.5")
def test_edit_request_codes_are_counted_as_codes_sent(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    _, customer_id = registered(aws)
    capsys.readouterr()
    email, phone = f"moi.{customer_id[:8]}@example.com", new_phone()
    change = {"changes": {"email": email, "phone": phone}, "reason": "Đổi số"}
    assert me(aws, customer_id, "POST", "/v1/me/edit-requests", change)[0] == 202
    assert [len(aws.messages_to(a)) for a in (email, e164(phone))] == [1, 1]
    figures = emitted(capsys.readouterr().out)
    edits = ("service", "edit_requests")
    assert figures[("CodesSent", (("channel", "email"), edits))] == 1
    assert figures[("CodesSent", (("channel", "phone"), edits))] == 1


@pytest.mark.clause("P2.5")
def test_recovery_codes_are_counted_as_codes_sent_or_limited(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three recoveries of one account in an hour: the worker sends each address what its limit
    (3 an hour, the sign-up's code among them) leaves, and counts those sent and those held."""
    body, _ = registered(aws)
    addresses = {"email": body["email"].lower(), "phone": e164(body["phone"])}
    before = {channel: len(aws.messages_to(a)) for channel, a in addresses.items()}
    capsys.readouterr()
    for _ in range(3):
        assert start_recovery(aws, body["email"], body["phone"])[0] == 202
    figures = emitted(capsys.readouterr().out)
    worker = ("service", "recovery_codes")
    for channel, address in addresses.items():
        sent = len(aws.messages_to(address)) - before[channel]
        assert 0 < sent < 3, channel
        assert figures[("CodesSent", (("channel", channel), worker))] == sent
        held = ("CodeSendsLimited", (("channel", channel), ("limit", "address"), worker))
        assert figures[held] == 3 - sent


@pytest.mark.clause("P2.5")
def test_the_erasure_job_counts_erasures_due_done_and_held(
    aws: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
    dynamodb = boto3.client("dynamodb")
    table = aws.function("erasure").environment["CUSTOMERS_TABLE"]
    closed = [registered(aws)[1] for _ in range(3)]
    for customer_id in closed:
        close(dynamodb, table, customer_id, now - timedelta(days=1))
    hold(dynamodb, table, closed[0])
    capsys.readouterr()
    assert run_erasure(aws, now) == {"erased": 2, "held": 1, "replayed": 0, "more": False}
    # By name: the job's figures go through the shared Powertools ``Metrics``, whose ``service``
    # dimension is the function's name in Lambda but, in this one process, whichever function
    # imported it first.
    figures = {name: value for (name, _), value in totals(capsys.readouterr().out).items()}
    assert (figures["ErasuresDue"], figures["ErasuresDone"], figures["ErasuresHeld"]) == (3, 2, 1)
