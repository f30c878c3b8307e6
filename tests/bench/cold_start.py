"""Benchmark: cold start and package sizes.

Cold start here is a function's initialisation: its handler module imported in a fresh
interpreter, against ``import boto3`` alone (target 1.5x), not its first invocation (a route's
models, services and stores are imported and built when that route is first asked for). Each
round imports boto3 then every handler, one interpreter each, and takes the CPU time inside it
(the machine is shared: wall time measures the other processes too); a function's figure is the
median of its rounds' ratios, with their spread. Every module is imported from bytecode compiled
beforehand into a cache of the run's own, whatever the working copy holds, and ``ongpt`` from
this tree's layer folder (as ``/opt/python`` on Lambda), not from wherever the venv points: a
layer shipped with its bytecode (``infra/layer_build.py``). Each function is also measured as a
layer without bytecode runs: the layer's packages compiled at each import, while Python's own
modules and boto3 (the runtime's) keep theirs. What it does not reproduce: Lambda runs CPython
3.14 (here 3.11).

Also the zipped size of each function asset (target < 50 KB) and of the shared layer (target
< 15 MB).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path
from statistics import median

from infra.catalogue import ALL_FUNCTIONS
from infra.layer_build import LAYER_SOURCE, build_layer
from local.placeholders import SAMPLES
from ongpt.platform import settings
from tests.bench import quiet
from tests.bench.results import Row

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 5
TARGET = 1.5
BASELINE = "import boto3"
# Every variable a function may be given, set, so that each handler's check at cold start passes;
# and Lambda's own, by which Powertools' Tracer knows it runs on Lambda (elsewhere it builds an
# X-Ray sampling client at import, which Lambda never does: 0.2 s that are not a cold start's).
ENVIRONMENT = {
    **{variable.name: SAMPLES.get(variable.name, "bench") for variable in settings.ALL_VARIABLES},
    "LAMBDA_TASK_ROOT": str(ROOT),
}


def _environment(bytecode: str) -> dict[str, str]:
    environment = {
        **os.environ,
        **ENVIRONMENT,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(LAYER_SOURCE / "python")]),
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "PYTHONPYCACHEPREFIX": bytecode,
    }
    environment.pop("PYTHONDONTWRITEBYTECODE", None)  # the first import of each writes it
    return environment


def _without_layer_bytecode(bytecode: Path, layer: Path) -> dict[str, str]:
    """The environment of a layer shipped as sources: a copy of the run's bytecode cache
    without the layer's packages, to which nothing is written."""
    copy = bytecode.with_name(bytecode.name + "-sources")
    shutil.copytree(bytecode, copy)
    site_packages = Path(sysconfig.get_paths()["purelib"])  # where the layer's packages are here
    for entry in (layer / "python").iterdir():
        name = entry.stem if entry.suffix == ".py" else entry.name
        cached = copy / site_packages.relative_to("/") / name
        shutil.rmtree(cached, ignore_errors=True)
        cached.with_name(f"{name}.{sys.implementation.cache_tag}.pyc").unlink(missing_ok=True)
    shutil.rmtree(copy / (LAYER_SOURCE / "python" / "ongpt").relative_to("/"))
    return {**_environment(str(copy)), "PYTHONDONTWRITEBYTECODE": "1"}


def cpu_seconds(statement: str, environment: dict[str, str]) -> float:
    """CPU time of ``statement`` in a new interpreter, measured inside it."""
    code = f"import time; t = time.process_time(); {statement}; print(time.process_time() - t)"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    return float(run.stdout.split()[-1])


Ratios = dict[str, list[float]]  # each statement's ratio to the baseline in each round, sorted


def import_ratios(statements: dict[str, str], layer: Path) -> tuple[float, Ratios, Ratios]:
    """The baseline's median CPU seconds, and each statement's ratios to ``BASELINE``: with the
    layer's bytecode, and without it."""
    with tempfile.TemporaryDirectory(prefix="bytecode-") as folder:
        bytecode = Path(folder) / "cache"
        compiled = _environment(str(bytecode))
        for statement in [BASELINE, *statements.values()]:
            cpu_seconds(statement, compiled)  # compiles into the run's own cache
        sources = _without_layer_bytecode(bytecode, layer)
        with_bytecode: Ratios = {name: [] for name in statements}
        without: Ratios = {name: [] for name in statements}
        baselines = []
        for _ in range(ROUNDS):
            baseline = cpu_seconds(BASELINE, compiled)
            baselines.append(baseline)
            for name, statement in statements.items():
                with_bytecode[name].append(cpu_seconds(statement, compiled) / baseline)
                without[name].append(cpu_seconds(statement, sources) / baseline)
    print(f"cold start: import boto3 alone {median(baselines) * 1000:.0f} ms CPU (baseline)")
    return median(baselines), _sorted(with_bytecode), _sorted(without)


def _sorted(ratios: Ratios) -> Ratios:
    return {name: sorted(found) for name, found in ratios.items()}


def _figure(found: list[float]) -> str:
    return f"{median(found):.2f} ({found[0]:.2f}-{found[-1]:.2f})"


def zipped_size(folder: Path, *, bytecode: bool) -> int:
    """A folder zipped as its asset: a function's leaves bytecode out, the layer keeps what its
    build compiled."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (bytecode or "__pycache__" not in path.parts):
                archive.write(path, path.relative_to(folder))
    return len(buffer.getvalue())


def main() -> list[Row]:
    layer = build_layer()
    baseline, ratios, without = import_ratios(
        {spec.name: f"import functions.{spec.name}.handler" for spec in ALL_FUNCTIONS}, layer
    )
    rows = []
    for name, found in ratios.items():
        print(
            f"  {name:20} ratio {_figure(found)}, layer without bytecode {_figure(without[name])},"
            f" target {TARGET}"
        )
        rows.append(
            Row(
                f"cold start, `{name}`: handler import / `import boto3` "
                f"({baseline * 1000:.0f} ms), CPU time, median of {ROUNDS} rounds (their spread); "
                "then with a layer without bytecode",
                f"{_figure(found)}; {_figure(without[name])}",
                f"≤ {TARGET}",
                median(found) <= TARGET,
            )
        )
    largest = max(
        zipped_size(ROOT / "functions" / spec.name, bytecode=False) for spec in ALL_FUNCTIONS
    )
    zipped = zipped_size(layer, bytecode=True)
    print(
        f"largest function asset {largest / 1024:.1f} KB zipped (target < 50 KB); "
        f"layer {zipped / 1024 / 1024:.1f} MB zipped (target < 15 MB)"
    )
    kb, mb = 1024, 1024 * 1024
    return [
        *rows,
        Row(
            "largest function asset, zipped", f"{largest / kb:.1f} KB", "< 50 KB", largest < 50 * kb
        ),
        Row("layer, zipped", f"{zipped / mb:.1f} MB", "< 15 MB", zipped < 15 * mb),
    ]


if __name__ == "__main__":
    quiet()
    main()
