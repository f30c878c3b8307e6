"""A function's cold start builds no validator of our bodies (issue 13, item 6): pydantic 2 builds
a model's schema when its class is created unless told to wait, and a handler imports the models
of all its routes, so each route's are built when that route is first asked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.catalogue import ALL_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]

# Every handler imported in one fresh interpreter (its cold start), then the models of ours whose
# validator is built.
IMPORT_EVERY_HANDLER = """
import importlib, json, sys
from local.placeholders import placeholder_environment
from pydantic import BaseModel
from ongpt.platform.models import Refusal

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

with placeholder_environment():
    for name in sys.argv[1:]:
        importlib.import_module(f"functions.{name}.handler")
# A refusal, which every route documents, is a parametrised RootModel: built when subscripted.
models = {
    m for m in subclasses(BaseModel)
    if m.__module__.startswith("ongpt.") and not issubclass(Refusal, m)
}
print(json.dumps({
    "models": len(models),
    "built": sorted(m.__qualname__ for m in models if m.__pydantic_complete__),
}))
"""


def test_importing_every_handler_builds_none_of_our_models() -> None:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    run = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_HANDLER, *(spec.name for spec in ALL_FUNCTIONS)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    found = json.loads(run.stdout.splitlines()[-1])
    assert found["models"] > 40  # every area's bodies were imported
    assert found["built"] == []
