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
from tests.bench.cold_start import _environment

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


# What each kind of function must not import at its cold start (issue 13, item 6): a scheduled
# job and the outbox's delivery worker need neither pydantic nor the HTTP stack; the queue
# workers need pydantic for their messages, but not the HTTP stack.
WITHOUT_PYDANTIC = ("erasure", "audit_anchors", "audit_verification", "expiry_reminders")
QUEUE_WORKERS = ("registration_codes", "recovery_codes", "announcement_worker")
HEAVY = ("pydantic", "aws_lambda_powertools.event_handler")
CHECK = f"""
import importlib, json, sys
found = {{}}
for name in {[*WITHOUT_PYDANTIC, "notice_delivery", *QUEUE_WORKERS]!r}:
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
        **{name: [] for name in (*WITHOUT_PYDANTIC, "notice_delivery")},
        **{name: ["pydantic"] for name in QUEUE_WORKERS},
    }
