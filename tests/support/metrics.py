"""What the functions emitted as metrics, read from the EMF lines Powertools printed."""

from __future__ import annotations

import json


def emitted(output: str, name: str) -> list[float]:
    """The values of metric ``name`` in the EMF lines of ``output``."""
    blobs = [json.loads(line) for line in output.splitlines() if '"_aws"' in line]
    return [value for blob in blobs if name in blob for value in blob[name]]
