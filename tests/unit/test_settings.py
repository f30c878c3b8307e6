"""Each function checks its environment at cold start: a variable missing or malformed fails its
initialisation, naming the variable and never its value, instead of a 503 per request."""

from __future__ import annotations

import pytest

from infra.catalogue import ALL_FUNCTIONS, FunctionSpec
from ongpt.platform import settings as env
from tests.support.handlers import cold_start

EVERYTHING = [variable.name for variable in env.ALL_VARIABLES]


@pytest.mark.parametrize("spec", ALL_FUNCTIONS, ids=[spec.name for spec in ALL_FUNCTIONS])
def test_every_function_fails_at_cold_start_without_its_environment(spec: FunctionSpec) -> None:
    with pytest.raises(env.MisconfiguredFunction, match=env.SERVICE_NAME.name):
        cold_start(spec.name, [])


@pytest.mark.parametrize("function", ["me", "announcement_worker", "expiry_reminders"])
def test_a_missing_variable_fails_the_cold_start_naming_it(function: str) -> None:
    """An API function, an SQS worker and a scheduled job: each entry point checks."""
    given = [name for name in EVERYTHING if name != env.CUSTOMERS_TABLE.name]
    with pytest.raises(env.MisconfiguredFunction) as failure:
        cold_start(function, given)
    assert str(failure.value) == "CUSTOMERS_TABLE (the customers table's name) is not set"


def test_an_empty_variable_is_a_missing_one() -> None:
    with pytest.raises(env.MisconfiguredFunction, match=r"DATA_KEY_ID .* is not set"):
        cold_start("me", EVERYTHING, {env.DATA_KEY_ID.name: ""})


@pytest.mark.parametrize("codes", ['["+84"]', "84", '{"84": 1}', "[84]", "not json"])
def test_malformed_country_codes_fail_naming_the_variable_not_its_value(codes: str) -> None:
    with pytest.raises(env.MisconfiguredFunction) as failure:
        cold_start("registration", EVERYTHING, {env.SMS_COUNTRY_CODES.name: codes})
    message = str(failure.value)
    assert message.startswith("SMS_COUNTRY_CODES (")
    assert message.endswith("is malformed")
    assert codes not in message


def test_every_problem_is_named_at_once() -> None:
    given = [name for name in EVERYTHING if name not in ("AUDIT_TABLE", "AUDIT_KEY_ID")]
    with pytest.raises(env.MisconfiguredFunction, match=r"AUDIT_TABLE .*; AUDIT_KEY_ID "):
        cold_start("me", given)


def test_a_complete_environment_initialises_the_function() -> None:
    module = cold_start("me", EVERYTHING)
    assert callable(module.lambda_handler)
