"""The local runtime initialises a handler with its function's environment from the template, as
Lambda does, whoever asks for it first (an invocation or the OpenAPI document)."""

from __future__ import annotations

import pytest

from local.lambdas import LocalFunction
from local.placeholders import SAMPLES
from ongpt.platform import settings as env
from tests.support.handlers import FUNCTIONS_DIR

ARN = "arn:aws:lambda:ap-southeast-1:123456789012:function:me"


def local_me(*, without: str | None = None) -> LocalFunction:
    environment = {
        variable.name: SAMPLES.get(variable.name, "placeholder")
        for variable in env.ALL_VARIABLES
        if variable.name != without
    }
    return LocalFunction(
        "Me", str(FUNCTIONS_DIR / "me" / "handler.py"), "lambda_handler", environment, 512, 10, ARN
    )


def test_a_handler_is_initialised_with_its_functions_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in env.ALL_VARIABLES:  # the server's own process has none of them
        monkeypatch.delenv(variable.name, raising=False)
    assert local_me().module().ENVIRONMENT


def test_a_function_missing_a_variable_fails_to_initialise_each_time_naming_it() -> None:
    function = local_me(without=env.DATA_KEY_ID.name)
    for _ in range(2):  # Lambda retries the init of an instance that failed it
        with pytest.raises(env.MisconfiguredFunction, match="DATA_KEY_ID"):
            function.module()
