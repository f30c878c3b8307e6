"""The template's functions, and how to run one in this process.

A function's code is its synthesized asset folder; the layer's packages are this virtualenv's
(the layer asset holds arm64 wheels). ``make run`` gives each function worker processes of its
own (``local/pool.py``); ``LocalFunction.invoke`` runs the handler in *this* process instead, for
the integration tier, whose moto lives in-process: there the process environment is swapped for
each invocation, so those invocations run one at a time, each seeing exactly its own function's
variables, and the shared package's warm caches are reset whenever the function changes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from local.template import Resolver, Template

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

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


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
        with _INVOKE_LOCK, _environment(self.environment), self.in_flight:
            if _last_invoked[0] != self.logical_id:
                reset_warm_state()
                _last_invoked[0] = self.logical_id
            handler = getattr(self.module(), self.handler_name)
            context = LambdaContext(self.logical_id, self.arn, self.memory_mb, self.timeout_seconds)
            return handler(event, context)


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
