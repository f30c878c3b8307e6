"""``make bench`` prints its figures only (issue 13, item 7): handler logs, metric documents and
warnings are silenced in the benchmark's process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a benchmark run does besides printing a figure: a handler's log line and metrics
# (the ColdStart document and the "No application metrics" warning), and library logging.
NOISY_RUN = """
import logging
from aws_lambda_powertools import Logger, Metrics
from tests.bench import quiet

quiet()
metrics = Metrics(namespace="Bench", service="bench")

@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    Logger(service="bench").info("request handled")
    logging.getLogger("botocore").warning("noise")
    return {}

class Context:
    function_name = "bench"

handler({}, Context())
print("figure: 1.00")
"""


def test_a_benchmark_prints_its_figures_and_nothing_else() -> None:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    run = subprocess.run(
        [sys.executable, "-c", NOISY_RUN],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    assert (run.stdout, run.stderr) == ("figure: 1.00\n", "")
