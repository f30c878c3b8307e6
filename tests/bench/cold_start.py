"""Benchmark: cold start and package sizes.

Each handler module's import time in a fresh interpreter, against ``import boto3`` alone in the
same run (target 1.5x), and the zipped size of each function asset (target < 50 KB) and of the
shared layer (target < 15 MB).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from statistics import median

from infra.catalogue import ALL_FUNCTIONS
from infra.layer_build import build_layer
from ongpt.platform import settings
from tests.bench import quiet

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5
# Every variable a function may be given, set, so that each handler's check at cold start passes;
# and Lambda's own, by which Powertools' Tracer knows it runs on Lambda (elsewhere it builds an
# X-Ray sampling client at import, which Lambda never does: 0.2 s that are not a cold start's).
ENVIRONMENT = {
    **{
        variable.name: '["84"]' if variable is settings.SMS_COUNTRY_CODES else "bench"
        for variable in settings.ALL_VARIABLES
    },
    "LAMBDA_TASK_ROOT": str(ROOT),
}


def import_seconds(statement: str) -> float:
    """Median wall time of ``statement`` in a new interpreter, measured inside it."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {
        **os.environ,
        **ENVIRONMENT,
        "PYTHONPATH": str(ROOT),
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
        for _ in range(RUNS)
    ]
    return median(samples)


def zipped_size(folder: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder))
    return len(buffer.getvalue())


def main() -> None:
    baseline = import_seconds("import boto3")
    print(f"cold start: import boto3 alone {baseline * 1000:.0f} ms (baseline)")
    for spec in ALL_FUNCTIONS:
        took = import_seconds(f"import functions.{spec.name}.handler")
        print(f"  {spec.name:20} {took * 1000:6.0f} ms, ratio {took / baseline:.2f} (target 1.5)")
    largest = max(zipped_size(ROOT / "functions" / spec.name) for spec in ALL_FUNCTIONS)
    layer = zipped_size(build_layer())
    print(
        f"largest function asset {largest / 1024:.1f} KB zipped (target < 50 KB); "
        f"layer {layer / 1024 / 1024:.1f} MB zipped (target < 15 MB)"
    )


if __name__ == "__main__":
    quiet()
    main()
