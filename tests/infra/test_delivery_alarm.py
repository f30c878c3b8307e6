"""P3.2, P2.5: a notice the delivery worker leaves claimed (a delivery died after claiming it,
maybe after the send, and it is never sent again: ``ongpt.notify.dispatch``) raises an alarm; so
does a send whose answer was lost, in any function that sends (``ongpt.notify.delivery``)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalogue import EDIT_REQUESTS, NOTICE_DELIVERY, RECOVERY_CODES, REGISTRATION_CODES
from tests.support.synthesized import resources, summed_alarm


@pytest.mark.clause("P2.5", "P3.2")
def test_a_notice_left_claimed_by_the_delivery_worker_raises_an_alarm(
    template_json: dict[str, Any],
) -> None:
    (found,) = [
        a
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if a["AlarmName"] == "OnGptAccounts-NoticesLeftClaimed"
    ]
    services = {
        f["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for f in resources(template_json, "AWS::Lambda::Function").values()
        if "Environment" in f
    }
    assert NOTICE_DELIVERY.name in services  # the dimension Powertools gives its metrics
    assert (found["Namespace"], found["MetricName"]) == ("OnGptAccounts", "NoticesLeftClaimed")
    assert found["Dimensions"] == [{"Name": "service", "Value": NOTICE_DELIVERY.name}]
    assert (found["Statistic"], found["Threshold"]) == ("Sum", 1)
    assert found["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert found["AlarmActions"] != []


@pytest.mark.clause("P2.5", "P3.2")
def test_a_send_whose_answer_was_lost_raises_an_alarm_whichever_function_sent_it(
    template_json: dict[str, Any],
) -> None:
    found, counted = summed_alarm(template_json, "SendsUnconfirmed")
    senders = {EDIT_REQUESTS.name, REGISTRATION_CODES.name, RECOVERY_CODES.name}
    assert counted == {*senders, NOTICE_DELIVERY.name}
    assert (found["Threshold"], found["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert found["AlarmActions"] != []
