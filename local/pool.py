"""Each function of ``make run`` in execution environments of its own, as on Lambda.

An environment is a separate interpreter (``local/environment.py``) started with its function's
variables only; it imports the handler once and serves one invocation at a time. A function's
pool starts environments on demand (the first requests pay the cold start, as on Lambda) up to
its limit: ``LOCAL_LAMBDA_CONCURRENCY`` (default 4), or the template's reserved concurrency if
lower. A request that finds every environment busy at the limit waits for one (Lambda would add
environments up to the account's concurrency, which this machine cannot run). Environments of
different functions, and of the same function, run at the same time: nothing in the runtime
serialises invocations.

As Lambda does: an init error ends its environment and fails the invocation, the next one
initialises a new environment; a handler's exception fails only its invocation, the environment
stays warm; an environment whose process dies is replaced. An invocation still running at its
function's ``Timeout`` (template) is ended, its environment with it, and fails with
``Sandbox.Timedout`` ("Configuring Lambda function timeout",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html; the next invocation
starts cold). A function whose template reserves concurrency is throttled beyond it: Lambda's
``TooManyRequestsException``, the function not run ("Lambda function scaling",
https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from local.deadlines import Clock, Deadline
from local.lambdas import (
    TIMED_OUT,
    FunctionError,
    InFlight,
    InvocationRejected,
    LocalFunction,
    check_request,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONCURRENCY = 4
CONCURRENCY_VARIABLE = "LOCAL_LAMBDA_CONCURRENCY"


def _process_environment(function: LocalFunction) -> dict[str, str]:
    """The function's variables, what Lambda adds to them, and where Python finds this code."""
    python_path = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **function.environment,
        "_HANDLER": f"{Path(function.handler_file).stem}.{function.handler_name}",
        "LAMBDA_TASK_ROOT": str(Path(function.handler_file).parent),
        "TZ": ":UTC",
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONPATH": os.pathsep.join(python_path),
    }


class ExecutionEnvironment:
    """One environment's process, initialised (or raising its init error) once constructed."""

    def __init__(self, function: LocalFunction) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, the template's handler
            [
                sys.executable,
                "-m",
                "local.environment",
                function.handler_file,
                function.handler_name,
                function.arn,
                str(function.memory_mb),
                str(function.timeout_seconds),
            ],
            env=_process_environment(function),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        answer = self._answer()
        if "initError" in answer:
            self.stop()
            raise FunctionError(answer["initError"]["errorType"], answer["initError"]["stackTrace"])

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:  # the process ended without answering
            self.stop()
            raise FunctionError("Runtime.ExitError", [])
        return json.loads(line)  # type: ignore[no-any-return]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: dict[str, Any], timeout: float, clock: Clock) -> Any:
        """The handler's answer to ``event``; past ``timeout`` seconds on ``clock`` the
        process is killed and the invocation fails as Lambda's timed out one does."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(event) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise FunctionError("Runtime.ExitError", []) from None
        deadline = Deadline(timeout, self.process.kill, clock)
        try:
            answer = self._answer()
        except FunctionError:
            if deadline.expired:
                raise FunctionError(TIMED_OUT, []) from None
            raise
        finally:
            deadline.cancel()
        if "error" in answer:
            raise FunctionError(answer["error"]["errorType"], answer["error"]["stackTrace"])
        return answer["result"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def concurrency_limit(function: LocalFunction) -> int:
    configured = int(os.environ.get(CONCURRENCY_VARIABLE, DEFAULT_CONCURRENCY))
    return min(configured, function.reserved_concurrency or configured)


class FunctionPool:
    """A function served by its own environments (``Invocable``): up to ``limit`` at once.
    Timeouts are measured on ``clock`` (``local/deadlines.py``)."""

    def __init__(self, function: LocalFunction, limit: int, clock: Clock = time.monotonic) -> None:
        self.function = function
        self.logical_id = function.logical_id
        self.limit = limit
        self.clock = clock
        self.in_flight = InFlight()
        self._idle: list[ExecutionEnvironment] = []
        self._all: set[ExecutionEnvironment] = set()
        self._count = 0  # environments started or starting
        self._admitted = 0  # invocations running or waiting for an environment
        self._changed = threading.Condition()

    def invoke(self, event: dict[str, Any]) -> Any:
        check_request(event)
        self._admit()
        try:
            environment = self._acquire()
            try:
                with self.in_flight:
                    return environment.invoke(event, self.function.timeout_seconds, self.clock)
            finally:
                self._release(environment)
        finally:
            with self._changed:
                self._admitted -= 1

    def _admit(self) -> None:
        """Lambda's throttle: no more invocations at once than the reserved concurrency."""
        with self._changed:
            reserved = self.function.reserved_concurrency
            if reserved is not None and self._admitted >= reserved:
                raise InvocationRejected("TooManyRequestsException", [])
            self._admitted += 1

    def module(self) -> ModuleType:
        """The handler imported in this process, for its routes' documentation only."""
        return self.function.module()

    @property
    def environments(self) -> int:
        """Environments started or starting."""
        with self._changed:
            return self._count

    def _acquire(self) -> ExecutionEnvironment:
        with self._changed:
            while not self._idle and self._count >= self.limit:
                self._changed.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            environment = ExecutionEnvironment(self.function)  # the cold start, outside the lock
        except BaseException:
            self._retire(None)
            raise
        with self._changed:
            self._all.add(environment)
        return environment

    def _release(self, environment: ExecutionEnvironment) -> None:
        if not environment.alive:
            self._retire(environment)
            return
        with self._changed:
            self._idle.append(environment)
            self._changed.notify()

    def _retire(self, environment: ExecutionEnvironment | None) -> None:
        with self._changed:
            if environment is not None:
                self._all.discard(environment)
            self._count -= 1
            self._changed.notify()

    def stop(self) -> None:
        with self._changed:
            environments = list(self._all)
        for environment in environments:
            environment.stop()


def pooled(
    functions: dict[str, LocalFunction], clock: Clock = time.monotonic
) -> dict[str, FunctionPool]:
    """Each function in a pool of its own, as ``make run`` serves them."""
    return {
        logical_id: FunctionPool(function, concurrency_limit(function), clock)
        for logical_id, function in functions.items()
    }
