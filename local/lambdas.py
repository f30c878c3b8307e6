"""The template's functions, and how to run one in this process.

A function's code is its synthesized asset folder; the layer's packages are this virtualenv's
(the layer asset holds arm64 wheels). ``make run`` gives each function worker processes of its
own (``local/pool.py``); ``LocalFunction.invoke`` runs the handler in *this* process instead, for
the integration tier, whose moto lives in-process: there the process environment is swapped for
each invocation, so those invocations run one at a time, each seeing exactly its own function's
variables, and the shared package's warm caches are reset whenever the function changes.

Lambda's limits hold in both (Lambda quotas,
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): a synchronous
invocation's request and response are at most 6 MB, and an invocation ends at its function's
timeout. An environment of ``make run`` is killed then (``local/pool.py``); a thread of this
process cannot be, so ``LocalFunction.invoke`` fails an invocation that outlived its timeout
after the fact: its caller sees the timeout Lambda reports, its side effects happened.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from local.template import Resolver, Template

# What Lambda's Invoke accepts and answers, synchronously (the quotas page above; the figures of
# its errors: "Request must be smaller than 6291456 bytes", "exceeded maximum allowed payload
# size (6291556 bytes)").
MAX_REQUEST_BYTES = 6_291_456
MAX_RESPONSE_BYTES = 6_291_556
TIMED_OUT = "Sandbox.Timedout"  # the errorType of an invocation Lambda ended at its timeout
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"

_INVOKE_LOCK = threading.RLock()
_last_invoked: list[str] = [""]  # the function whose warm state the process now holds
SHARED_PACKAGE = "ongpt"  # the layer's package: its settings, clients and services are cached


def reset_warm_state() -> None:
    """Forget what the shared package cached for the last function: in Lambda each function has
    a process of its own, here they share one, so a switch of function is a cold start."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] != SHARED_PACKAGE or module is None:
            continue
        for value in vars(module).values():
            if getattr(value, "__module__", "") == name and hasattr(value, "cache_clear"):
                value.cache_clear()


class FunctionError(Exception):
    """An invocation failed: Lambda's error type and the handler's stack trace, never its
    message (which may hold personal data)."""

    def __init__(self, error_type: str, stack_trace: list[str]) -> None:
        super().__init__(error_type)
        self.error_type = error_type
        self.stack_trace = stack_trace


class InvocationRejected(FunctionError):
    """Lambda refused the invocation: the function did not run (throttled, request too large).
    API Gateway answers these 500, a function's own failure 502."""


def described(exc: BaseException) -> tuple[str, str]:
    """A failed invocation's error type and stack trace, whether it ran here or in an
    environment of its own; never the message."""
    if isinstance(exc, FunctionError):
        return exc.error_type, "".join(exc.stack_trace)
    return type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))


def payload_size(value: Any) -> int:
    """The bytes of ``value`` as Lambda's JSON carries it."""
    return len(json.dumps(value).encode("utf-8"))


def check_request(event: dict[str, Any]) -> None:
    """Lambda's ``RequestTooLargeException`` for an event over the synchronous limit."""
    if payload_size(event) > MAX_REQUEST_BYTES:
        raise InvocationRejected("RequestTooLargeException", [])


class InFlight:
    """How many invocations of one function are running now, and the most seen at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1

    def reset(self) -> None:
        """Start a new measure: the peak from now on."""
        with self._lock:
            self.peak = self.now


def import_handler(logical_id: str, handler_file: str) -> ModuleType:
    """A function's handler module, imported from its file: its cold start."""
    spec = importlib.util.spec_from_file_location(f"lambda_{logical_id}", handler_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """Set only these variables, and put back what they were (other threads read the rest)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Invocable(Protocol):
    """What the gateway and the workers need of a function."""

    logical_id: str
    in_flight: InFlight

    def invoke(self, event: dict[str, Any]) -> Any: ...

    def module(self) -> ModuleType: ...


@dataclass
class LocalFunction:
    logical_id: str
    handler_file: str
    handler_name: str
    environment: dict[str, str]
    memory_mb: int
    timeout_seconds: int
    arn: str
    reserved_concurrency: int | None = None  # at most this many environments, if the template says
    _module: ModuleType | None = None
    in_flight: InFlight = field(default_factory=InFlight)

    def module(self) -> ModuleType:
        """The handler's module, imported (its cold start) with the function's environment; one
        that fails to initialise is imported again next time, as Lambda retries an init error."""
        with _INVOKE_LOCK, _environment(self.environment):
            if self._module is None:
                self._module = import_handler(self.logical_id, self.handler_file)
            return self._module

    def invoke(self, event: dict[str, Any]) -> Any:
        check_request(event)
        with _INVOKE_LOCK, _environment(self.environment), self.in_flight:
            if _last_invoked[0] != self.logical_id:
                reset_warm_state()
                _last_invoked[0] = self.logical_id
            handler = getattr(self.module(), self.handler_name)
            context = LambdaContext(self.logical_id, self.arn, self.memory_mb, self.timeout_seconds)
            result = handler(event, context)
            self.check_answer(time.monotonic() - context.started, result)
            return result

    def check_answer(self, seconds: float, result: Any) -> None:
        """What Lambda would have answered instead of ``result``: a timeout (measured after the
        fact, see above) or a response over the synchronous limit."""
        if seconds > self.timeout_seconds:
            raise FunctionError(TIMED_OUT, [])
        if payload_size(result) > MAX_RESPONSE_BYTES:
            raise FunctionError(RESPONSE_TOO_LARGE, [])


def load_functions(
    template: Template, resolver: Resolver, aws_environment: dict[str, str]
) -> dict[str, LocalFunction]:
    """Every ``AWS::Lambda::Function`` of the template, keyed by logical id."""
    functions: dict[str, LocalFunction] = {}
    for logical_id, props in template.of_type("AWS::Lambda::Function"):
        module, _, name = props["Handler"].rpartition(".")
        variables = resolver.resolve(props.get("Environment", {}).get("Variables", {}))
        functions[logical_id] = LocalFunction(
            logical_id=logical_id,
            handler_file=str(template.asset_dir(logical_id) / f"{module}.py"),
            handler_name=name,
            environment={
                **aws_environment,
                "AWS_LAMBDA_FUNCTION_NAME": logical_id,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", 128)),
                **{k: str(v) for k, v in variables.items()},
            },
            memory_mb=props.get("MemorySize", 128),
            timeout_seconds=props.get("Timeout", 3),
            arn=resolver.attributes[(logical_id, "Arn")],
            reserved_concurrency=props.get("ReservedConcurrentExecutions"),
        )
    return functions
