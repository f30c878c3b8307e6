"""Handlers loaded outside the local runtime, with an environment of placeholders: its names are
real, its values only well-formed (no resource is behind them)."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from unittest import mock

from ongpt import settings as env

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
SAMPLES = {env.SMS_COUNTRY_CODES.name: '["84"]'}


@contextmanager
def placeholder_environment(
    names: Iterable[str], values: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Exactly ``names`` of the stack's variables set, each to ``values``' or a placeholder."""
    given = {**SAMPLES, **(values or {})}
    variables = {name: given.get(name, f"placeholder-{name.lower()}") for name in names}
    with mock.patch.dict(os.environ, variables):
        for variable in env.ALL_VARIABLES:
            if variable.name not in variables:
                os.environ.pop(variable.name, None)
        yield


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
    with placeholder_environment(variable.name for variable in env.ALL_VARIABLES):
        return importlib.import_module(f"functions.{function}.handler")
