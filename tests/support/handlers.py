"""Handlers loaded outside the local runtime, with an environment of placeholders: its names are
real, its values only well-formed (no resource is behind them)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from local.placeholders import placeholder_environment
from tests.support.events import FakeLambdaContext

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


def cold_start(
    function: str, names: Iterable[str], values: Mapping[str, str] | None = None
) -> ModuleType:
    """A fresh import of ``functions/<function>/handler.py``, as Lambda's initialisation does,
    with ``names`` set."""
    spec = importlib.util.spec_from_file_location(
        f"cold_{function}", FUNCTIONS_DIR / function / "handler.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with placeholder_environment(names, values):
        spec.loader.exec_module(module)
    return module


def warm_handler(function: str) -> ModuleType:
    """The function's handler module, imported once (every variable set for its cold start)."""
    with placeholder_environment():
        return importlib.import_module(f"functions.{function}.handler")


def handled(function: str, event: dict[str, Any]) -> dict[str, Any]:
    """The warm handler's answer to ``event``, its environment there as on Lambda."""
    handler = warm_handler(function)
    with placeholder_environment():
        return handler.lambda_handler(event, FakeLambdaContext())  # type: ignore[no-any-return]
