"""P2.5: the admins' dashboard draws each business figure from the function that emits it, with
the dimensions it emits it with (a metric drawn with other dimensions shows nothing)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.synthesized import resources


def drawn(template_json: dict[str, Any]) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    """Each metric of the dashboard's graphs: its name and every set of dimensions drawn."""
    (dashboard,) = resources(template_json, "AWS::CloudWatch::Dashboard").values()
    parts = dashboard["DashboardBody"]["Fn::Join"][1]
    body = json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))
    found: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    for widget in body["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            if metric[0] != "OnGptAccounts":
                continue  # a math expression, or AWS's own metrics
            names_and_values = [m for m in metric[2:] if isinstance(m, str)]
            dimensions = tuple(zip(names_and_values[::2], names_and_values[1::2], strict=True))
            found.setdefault(metric[1], set()).add(tuple(sorted(dimensions)))
    return found


@pytest.mark.clause("P2.5")
def test_erasures_due_done_and_held_are_drawn_from_the_erasure_job(
    template_json: dict[str, Any],
) -> None:
    figures = drawn(template_json)
    for name in ("ErasuresDue", "ErasuresDone", "ErasuresHeld"):
        assert figures[name] == {(("service", "erasure"),)}, name


@pytest.mark.clause("P2.5")
def test_codes_sent_counts_sign_up_change_and_recovery_codes_on_both_channels(
    template_json: dict[str, Any],
) -> None:
    assert drawn(template_json)["CodesSent"] == {
        (("channel", channel), ("service", service))
        for service in ("registration_codes", "edit_requests", "recovery_codes")
        for channel in ("email", "phone")
    }
