"""Benchmarks (``make bench``): each prints its figures, and nothing else."""

from __future__ import annotations

import logging
import sys
import warnings
from typing import TextIO

EMF_DOCUMENT = '{"_aws":'  # how every CloudWatch embedded-metric document starts


class WithoutMetricDocuments:
    """A text stream that passes on every line but the metric documents Powertools prints:
    its ``single_metric`` (the ColdStart metric) prints even with POWERTOOLS_METRICS_DISABLED."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._partial = ""

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            if not line.startswith(EMF_DOCUMENT):
                self._out.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self._out.flush()


def quiet() -> None:
    """Keep this process's output to the figures: no handler logs (Powertools' JSON lines), no
    metric documents or warnings ("No application metrics to publish"), no library logging."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    sys.stdout = WithoutMetricDocuments(sys.stdout)
