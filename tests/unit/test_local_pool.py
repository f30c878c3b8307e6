"""The local runtime runs each function in execution environments of its own, as Lambda does:
separate processes with the function's variables only, invocations of one function at the same
time, warm state per environment, init errors retried by a new environment; and Lambda's limits:
the function's timeout, 6 MB requests and responses, reserved concurrency."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local.deadlines import Deadline
from local.holds import Holds
from local.lambdas import (
    MAX_REQUEST_BYTES,
    MAX_RESPONSE_BYTES,
    FunctionError,
    InvocationRejected,
    LocalFunction,
)
from local.pool import FunctionPool

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
    if event.get("answer_bytes"):
        return "x" * event["answer_bytes"]
    return {
        "pid": os.getpid(),
        "invocations": INVOCATIONS,
        "variables": sorted(os.environ),
        "function": context.function_name,
    }
"""


def probe(
    tmp_path: Path, variables: dict[str, str] | None = None, timeout: int = 3
) -> LocalFunction:
    handler = tmp_path / "handler.py"
    handler.write_text(HANDLER)
    return LocalFunction(
        "Probe",
        str(handler),
        "lambda_handler",
        {"AWS_LAMBDA_FUNCTION_NAME": "Probe", "FUNCTION_VARIABLE": "yes", **(variables or {})},
        128,
        timeout,
        "arn:aws:lambda:ap-southeast-1:123456789012:function:Probe",
    )


def pool_of(tmp_path: Path, limit: int, **variables: str) -> FunctionPool:
    return FunctionPool(probe(tmp_path, variables), limit)


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


def test_an_invocation_past_its_timeout_is_ended_and_its_environment_replaced(
    tmp_path: Path,
) -> None:
    pool = FunctionPool(probe(tmp_path, timeout=1), 1)
    try:
        first = pool.invoke({})
        started = time.monotonic()
        with pytest.raises(FunctionError) as failed:
            pool.invoke({"sleep": 5})
        assert failed.value.error_type == "Sandbox.Timedout"
        assert time.monotonic() - started < 3  # ended at its timeout, not when it finished
        after = pool.invoke({})
    finally:
        pool.stop()
    assert after["pid"] != first["pid"]  # a new environment: a cold start
    assert after["invocations"] == 1


def test_in_process_an_invocation_past_its_timeout_fails_after_the_fact(tmp_path: Path) -> None:
    """A thread cannot be ended: the caller still sees the timeout Lambda would report."""
    function = probe(tmp_path, timeout=1)
    with pytest.raises(FunctionError) as failed:
        function.invoke({"sleep": 1.2})
    assert failed.value.error_type == "Sandbox.Timedout"


@pytest.mark.parametrize("in_process", [False, True])
def test_a_response_over_lambdas_6_mb_fails_the_invocation(
    pool: FunctionPool, in_process: bool
) -> None:
    invoke = pool.function.invoke if in_process else pool.invoke
    assert len(invoke({"answer_bytes": MAX_RESPONSE_BYTES - 2})) == MAX_RESPONSE_BYTES - 2
    with pytest.raises(FunctionError) as failed:
        invoke({"answer_bytes": MAX_RESPONSE_BYTES - 1})  # with its quotes, one byte over
    assert failed.value.error_type == "Function.ResponseSizeTooLarge"


@pytest.mark.parametrize("in_process", [False, True])
def test_a_request_over_lambdas_6_mb_is_refused_and_the_function_not_run(
    pool: FunctionPool, in_process: bool
) -> None:
    invoke = pool.function.invoke if in_process else pool.invoke
    with pytest.raises(InvocationRejected) as refused:
        invoke({"padding": "x" * MAX_REQUEST_BYTES})
    assert refused.value.error_type == "RequestTooLargeException"
    assert pool.environments == 0
    assert pool.in_flight.peak == pool.function.in_flight.peak == 0


def test_reserved_concurrency_throttles_the_invocations_beyond_it(tmp_path: Path) -> None:
    function = probe(tmp_path)
    function.reserved_concurrency = 2
    pool = FunctionPool(function, limit=4)
    outcomes: list[str] = []

    def invoke(_: int) -> None:
        try:
            pool.invoke({"sleep": 1})
            outcomes.append("ran")
        except InvocationRejected as refused:
            outcomes.append(refused.error_type)

    try:
        with ThreadPoolExecutor(max_workers=3) as threads:
            list(threads.map(invoke, range(3)))
        assert sorted(outcomes) == ["TooManyRequestsException", "ran", "ran"]
        pool.invoke({})  # the throttle is on invocations at once, not a count
    finally:
        pool.stop()


def test_time_a_call_is_held_at_moto_does_not_count_against_a_timeout() -> None:
    holds = Holds()
    hold_id = holds.add("PutItem")
    held = threading.Thread(target=holds.meet, args=("PutItem", "", lambda: None))
    held.start()
    expired = threading.Event()
    try:
        while holds.arrived(hold_id) != 1:
            time.sleep(0.01)
        deadline = Deadline(0.2, expired.set, holds.clock)
        assert not expired.wait(0.6)  # the clock stands still while the call is held
    finally:
        holds.release(hold_id)
        held.join()
    assert expired.wait(1)
    deadline.cancel()
