"""The cold-start benchmark measures what it says (issue 13, item 6): this tree's shared package,
from the layer's folder as on Lambda (not wherever the venv's editable install points), imported
from bytecode the run compiles into a cache of its own (not whatever the working copy holds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import cast

from infra.layer_build import LAYER_SOURCE
from tests.bench.cold_start import _environment, _without_layer_bytecode

WHERE_FROM = "import ongpt.platform.errors as m; print(m.__file__, m.__cached__)"


def test_the_benchmark_imports_this_trees_layer_from_its_own_bytecode(tmp_path: Path) -> None:
    environment = _environment(str(tmp_path))
    for _ in range(2):  # the first run compiles, the next imports what it compiled
        found = subprocess.check_output(
            [sys.executable, "-c", WHERE_FROM], env=environment, text=True
        ).split()
    source, cached = found
    assert Path(source).is_relative_to(LAYER_SOURCE / "python")
    assert Path(cached).is_relative_to(tmp_path)
    assert Path(cached).is_file()


CACHED = """
import importlib, json, os
found = {}
for name in ("six", "annotated_types", "typing_extensions", "ongpt.platform.clock"):
    module = importlib.import_module(name)
    found[name] = os.path.exists(module.__cached__)
print(json.dumps(found))
"""


def test_without_the_layers_bytecode_only_the_layers_modules_are_compiled_at_import(
    tmp_path: Path,
) -> None:
    """As on Lambda with a layer shipped as sources: Python's own modules and boto3 (the
    runtime's: ``six`` is one of boto3's) have their bytecode; the layer's packages, named by
    the built layer's folder, and ``ongpt`` have none, and none is written."""
    layer = tmp_path / "layer" / "python"
    (layer / "annotated_types").mkdir(parents=True)
    (layer / "typing_extensions.py").touch()
    cache = tmp_path / "cache"
    subprocess.run([sys.executable, "-c", CACHED], env=_environment(str(cache)), check=True)
    sources = _without_layer_bytecode(cache, layer.parent)
    for _ in range(2):  # and the second time still none
        output = subprocess.check_output([sys.executable, "-c", CACHED], env=sources, text=True)
        found = cast(dict[str, bool], json.loads(output.splitlines()[-1]))
        assert found == {
            "six": True,
            "annotated_types": False,
            "typing_extensions": False,
            "ongpt.platform.clock": False,
        }


# What each kind of function must not import at its cold start (issue 13, item 6): a scheduled
# job and the stream workers need neither pydantic nor the HTTP stack; the queue workers need
# pydantic for their messages, but not the HTTP stack.
WITHOUT_PYDANTIC = ("erasure", "audit_anchors", "audit_verification", "expiry_reminders")
STREAM_WORKERS = ("notice_delivery", "audit_changes")
QUEUE_WORKERS = ("registration_codes", "recovery_codes", "announcement_worker")
HEAVY = ("pydantic", "aws_lambda_powertools.event_handler")
CHECK = f"""
import importlib, json, sys
found = {{}}
for name in {[*WITHOUT_PYDANTIC, *STREAM_WORKERS, *QUEUE_WORKERS]!r}:
    importlib.import_module(f"functions.{{name}}.handler")
    found[name] = [module for module in {list(HEAVY)!r} if module in sys.modules]
print(json.dumps(found))
"""


def test_jobs_and_workers_import_at_cold_start_only_what_they_run_with(tmp_path: Path) -> None:
    """The handlers imported one after another in one interpreter, the queue workers last (a
    module one brings would count for the next too), from bytecode compiled as usual."""
    environment = _environment(str(tmp_path))
    del environment["PYTHONPYCACHEPREFIX"]
    output = subprocess.check_output([sys.executable, "-c", CHECK], env=environment, text=True)
    found = cast(dict[str, list[str]], json.loads(output.splitlines()[-1]))
    assert found == {
        **{name: [] for name in (*WITHOUT_PYDANTIC, *STREAM_WORKERS)},
        **{name: ["pydantic"] for name in QUEUE_WORKERS},
    }
