"""P2.5: a customer's Cognito user found missing (deleted outside the service) by any function
that acts on it raises an alarm (``ongpt.customers.accounts``, ``SignInsMissing``)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalogue import ACCOUNT_LIFECYCLE, EDIT_REQUESTS, REGISTRATION
from tests.support.synthesized import resources


@pytest.mark.clause("P2.5")
def test_a_missing_sign_in_raises_an_alarm_whichever_function_finds_it(
    template_json: dict[str, Any],
) -> None:
    (found,) = [
        a
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if a["AlarmName"] == "OnGptAccounts-SignInsMissing"
    ]
    metrics = {m["Id"]: m for m in found["Metrics"]}
    summed = [m for m in metrics.values() if "Expression" in m]
    (expression,) = summed
    counted = {
        m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
        for m in metrics.values()
        if "MetricStat" in m
        and m["MetricStat"]["Metric"]["MetricName"] == "SignInsMissing"
        and m["MetricStat"]["Stat"] == "Sum"
    }
    assert counted == {ACCOUNT_LIFECYCLE.name, EDIT_REQUESTS.name, REGISTRATION.name}
    assert all(
        f"FILL({m}, 0)" in expression["Expression"] for m in metrics if m != expression["Id"]
    )
    assert (found["Threshold"], found["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert found["AlarmActions"] != []
