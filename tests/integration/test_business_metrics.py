"""P2.5: the admins' dashboard shows business figures beside the operational ones; the code that
knows each figure emits it (CloudWatch EMF on stdout), once per move, never a personal value."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tests.support.deployed import Deployed, guest, staff
from tests.support.journeys import e164, registered


def emitted(output: str) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """Each metric emitted, with its dimensions (sorted), and how many times."""
    found: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        blob: dict[str, Any] = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            dimensions = tuple(
                sorted((d, str(blob[d])) for group in directive["Dimensions"] for d in group)
            )
            for metric in directive["Metrics"]:
                found[(metric["Name"], dimensions)] += 1
    return found


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
