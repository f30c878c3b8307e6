"""Benchmark: an API function's first request, cold and restored from a SnapStart snapshot.

Cold, as without SnapStart: a fresh interpreter imports the handler, builds what a first request
builds lazily (every route's validators, services and clients: the work the before-snapshot hook
does) and answers one request. Restored: a parent that did the import and the hooks forks, as
``make run`` restores an environment (``local/environment.py``); the child runs the after-restore
hooks and answers the same request. The request is unsigned: the entry point refuses it (403)
after running Powertools' decorators, without calling AWS. Each is CPU time inside its process,
against ``import boto3`` alone in the same round (``cold_start.py``'s baseline, bytecode and
layer); a function's figure is the median of its rounds' ratios, with their spread. What it does
not reproduce: Lambda's own restore of the microVM, which the REPORT line's ``Restore Duration``
shows (README, Deploying).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

from infra.catalogue import API_FUNCTIONS
from tests.bench import quiet
from tests.bench.cold_start import BASELINE, ROUNDS, _environment, _figure, cpu_seconds
from tests.bench.results import Row

TARGET = 0.5  # the restored first request, to import boto3
EVENT = {"httpMethod": "GET", "path": "/v1", "resource": "/v1", "headers": {}}
# Each program prints the CPU seconds it measured, last.
COLD = """
import importlib, time
from tests.support.events import FakeLambdaContext
started = time.process_time()
handler = importlib.import_module("functions.{name}.handler").lambda_handler
from ongpt.platform import snapstart
for hook, args, kwargs in reversed(snapstart.before_snapshot_hooks()):
    hook(*args, **kwargs)
handler({event}, FakeLambdaContext())
print(time.process_time() - started)
"""
RESTORED = """
import importlib, os, time
from tests.support.events import FakeLambdaContext
handler = importlib.import_module("functions.{name}.handler").lambda_handler
from ongpt.platform import snapstart
for hook, args, kwargs in reversed(snapstart.before_snapshot_hooks()):
    hook(*args, **kwargs)
read, write = os.pipe()
if os.fork() == 0:
    started = time.process_time()
    for hook, args, kwargs in snapstart.after_restore_hooks():
        hook(*args, **kwargs)
    handler({event}, FakeLambdaContext())
    os.write(write, str(time.process_time() - started).encode())
    os._exit(0)
os.close(write)
print(os.read(read, 64).decode())
"""


def _measured(program: str, environment: dict[str, str]) -> float:
    """The CPU seconds ``program`` measured and printed last, in a new interpreter."""
    run = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environment, check=True
    )
    return float(run.stdout.splitlines()[-1])


def main() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bytecode-") as folder:
        compiled = _environment(str(Path(folder) / "cache"))
        programs = {
            (spec.name, kind): template.format(name=spec.name, event=EVENT)
            for spec in API_FUNCTIONS
            for kind, template in (("cold", COLD), ("restored", RESTORED))
        }
        cpu_seconds(BASELINE, compiled)  # each compiles into the run's own cache
        for program in programs.values():
            _measured(program, compiled)
        ratios: dict[tuple[str, str], list[float]] = {key: [] for key in programs}
        baselines = []
        for _ in range(ROUNDS):
            baseline = cpu_seconds(BASELINE, compiled)
            baselines.append(baseline)
            for key, program in programs.items():
                ratios[key].append(_measured(program, compiled) / baseline)
    print(f"SnapStart: import boto3 alone {median(baselines) * 1000:.0f} ms CPU (baseline)")
    rows = []
    for spec in API_FUNCTIONS:
        cold, restored = (sorted(ratios[(spec.name, kind)]) for kind in ("cold", "restored"))
        print(f"  {spec.name:20} cold {_figure(cold)}, restored {_figure(restored)}")
        rows.append(
            Row(
                f"first request, `{spec.name}`: cold (import, priming work, request); restored "
                f"(after-restore hooks, request) / `import boto3` ({median(baselines) * 1000:.0f}"
                f" ms), CPU time, median of {ROUNDS} rounds (their spread)",
                f"{_figure(cold)}; {_figure(restored)}",
                f"restored ≤ {TARGET}",
                median(restored) <= TARGET,
            )
        )
    return rows


if __name__ == "__main__":
    quiet()
    main()
