"""P2.5: a customer's Cognito user found missing (deleted outside the service) by any function
that acts on it raises an alarm (``ongpt.customers.accounts``, ``SignInsMissing``)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalogue import ACCOUNT_LIFECYCLE, EDIT_REQUESTS, REGISTRATION
from tests.support.synthesized import summed_alarm


@pytest.mark.clause("P2.5")
def test_a_missing_sign_in_raises_an_alarm_whichever_function_finds_it(
    template_json: dict[str, Any],
) -> None:
    found, counted = summed_alarm(template_json, "SignInsMissing")
    assert counted == {ACCOUNT_LIFECYCLE.name, EDIT_REQUESTS.name, REGISTRATION.name}
    assert (found["Threshold"], found["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert found["AlarmActions"] != []
