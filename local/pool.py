"""Each function of ``make run`` in execution environments of its own, as on Lambda.

An environment is a separate interpreter (``local/environment.py``) started with its function's
variables only; it imports the handler once and serves one invocation at a time. A function's
pool starts environments on demand (the first requests pay the cold start, as on Lambda) up to
its limit: ``LOCAL_LAMBDA_CONCURRENCY`` (default 4), or the template's reserved concurrency if
lower. A request that finds every environment busy at the limit waits for one (Lambda would add
environments up to the account's concurrency). Environments of different functions, and of the
same function, run at the same time: nothing in the runtime serialises invocations.

An init error ends its environment and fails the invocation; the next one initialises a new
environment, as Lambda does. A handler's exception fails only its invocation: the environment
stays warm. An environment whose process dies is replaced.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from local.lambdas import InFlight, LocalFunction

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONCURRENCY = 4
CONCURRENCY_VARIABLE = "LOCAL_LAMBDA_CONCURRENCY"


class FunctionError(Exception):
    """An invocation failed in its environment: Lambda's error type and the handler's stack
    trace, never its message (which may hold personal data)."""

    def __init__(self, error_type: str, stack_trace: list[str]) -> None:
        super().__init__(error_type)
        self.error_type = error_type
        self.stack_trace = stack_trace


def described(exc: BaseException) -> tuple[str, str]:
    """A failed invocation's error type and stack trace, whether it ran here or in an
    environment of its own; never the message."""
    if isinstance(exc, FunctionError):
        return exc.error_type, "".join(exc.stack_trace)
    return type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))


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

    def invoke(self, event: dict[str, Any]) -> Any:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(event) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise FunctionError("Runtime.ExitError", []) from None
        answer = self._answer()
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
    """A function served by its own environments (``Invocable``): up to ``limit`` at once."""

    def __init__(self, function: LocalFunction, limit: int) -> None:
        self.function = function
        self.logical_id = function.logical_id
        self.limit = limit
        self.in_flight = InFlight()
        self._idle: list[ExecutionEnvironment] = []
        self._all: set[ExecutionEnvironment] = set()
        self._count = 0  # environments started or starting
        self._changed = threading.Condition()

    def invoke(self, event: dict[str, Any]) -> Any:
        environment = self._acquire()
        try:
            with self.in_flight:
                return environment.invoke(event)
        finally:
            self._release(environment)

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


def pooled(functions: dict[str, LocalFunction]) -> dict[str, FunctionPool]:
    """Each function in a pool of its own, as ``make run`` serves them."""
    return {
        logical_id: FunctionPool(function, concurrency_limit(function))
        for logical_id, function in functions.items()
    }
