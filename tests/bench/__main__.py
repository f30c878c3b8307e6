"""``make bench``: every benchmark, each printing its figures as ratios measured in the same run;
then their rows, with the machine's facts, written into ``docs/benchmarks.md``."""

import dataclasses
import os
import time
from pathlib import Path

from tests.bench import (
    audit_chain,
    aws_calls,
    cold_start,
    expiry_job,
    export,
    first_load,
    gateway,
    load,
    quiet,
    results,
    snapstart,
    write_units,
)

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"

if __name__ == "__main__":
    quiet()
    machine = results.this_machine()
    started = time.monotonic()
    rows = [
        *cold_start.main(),
        *snapstart.main(),
        *aws_calls.main(),
        *write_units.main(),
        *audit_chain.main(),
        *expiry_job.main(),
        *export.main(),
        *gateway.main(),
        *load.main(),
        *first_load.main(),
    ]
    machine = dataclasses.replace(
        machine, load_at_end=os.getloadavg(), seconds=time.monotonic() - started
    )
    results.write(DOCUMENT, rows, machine)
    print(f"results written to {DOCUMENT}")
