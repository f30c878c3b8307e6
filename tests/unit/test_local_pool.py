"""The local runtime runs each function in execution environments of its own, as Lambda does:
separate processes with the function's variables only, invocations of one function at the same
time, warm state per environment, init errors retried by a new environment."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local.lambdas import LocalFunction
from local.pool import FunctionError, FunctionPool

HANDLER = """
import os, time

INVOCATIONS = 0
if os.environ.get("FAIL_INIT"):
    raise RuntimeError("init failed for someone@example.com")

def lambda_handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    if event.get("fail"):
        raise ValueError(event["fail"])
    time.sleep(event.get("sleep", 0))
    return {
        "pid": os.getpid(),
        "invocations": INVOCATIONS,
        "variables": sorted(os.environ),
        "function": context.function_name,
    }
"""


def pool_of(tmp_path: Path, limit: int, **variables: str) -> FunctionPool:
    handler = tmp_path / "handler.py"
    handler.write_text(HANDLER)
    function = LocalFunction(
        "Probe",
        str(handler),
        "lambda_handler",
        {"AWS_LAMBDA_FUNCTION_NAME": "Probe", "FUNCTION_VARIABLE": "yes", **variables},
        128,
        3,
        "arn:aws:lambda:ap-southeast-1:123456789012:function:Probe",
    )
    return FunctionPool(function, limit)


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[FunctionPool]:
    pool = pool_of(tmp_path, limit=4)
    yield pool
    pool.stop()


def concurrently(pool: FunctionPool, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start = threading.Barrier(len(events))

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        start.wait()
        return pool.invoke(event)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=len(events)) as threads:
        return list(threads.map(invoke, events))


def test_invocations_of_one_function_run_at_once_each_in_a_process_of_its_own(
    pool: FunctionPool,
) -> None:
    answers = concurrently(pool, [{"sleep": 0.5}] * 4)
    assert pool.in_flight.peak == 4
    assert len({a["pid"] for a in answers}) == 4
    assert os.getpid() not in {a["pid"] for a in answers}


def test_at_its_limit_a_function_runs_one_invocation_per_environment(tmp_path: Path) -> None:
    pool = pool_of(tmp_path, limit=1)
    try:
        answers = concurrently(pool, [{"sleep": 0.1}] * 3)
    finally:
        pool.stop()
    assert pool.in_flight.peak == 1
    assert pool.environments == 1
    assert sorted(a["invocations"] for a in answers) == [1, 2, 3]  # one warm environment


def test_an_environment_has_its_functions_variables_and_none_of_the_runtimes(
    pool: FunctionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNTIME_ONLY_SECRET", "x")
    answer = pool.invoke({})
    assert "FUNCTION_VARIABLE" in answer["variables"]
    assert "RUNTIME_ONLY_SECRET" not in answer["variables"]
    assert answer["function"] == "Probe"


def test_a_handlers_exception_fails_its_invocation_only_without_its_message(
    pool: FunctionPool,
) -> None:
    with pytest.raises(FunctionError) as failed:
        pool.invoke({"fail": "personal data: someone@example.com"})
    assert failed.value.error_type == "ValueError"
    assert "lambda_handler" in "".join(failed.value.stack_trace)
    assert "someone@example.com" not in repr(failed.value.__dict__)
    assert pool.invoke({})["invocations"] == 2  # the same environment, still warm


def test_an_init_error_fails_the_invocation_and_the_next_one_initialises_again(
    tmp_path: Path,
) -> None:
    pool = pool_of(tmp_path, limit=2, FAIL_INIT="1")
    for _ in range(2):
        with pytest.raises(FunctionError) as failed:
            pool.invoke({})
        assert failed.value.error_type == "RuntimeError"
    assert pool.environments == 0
