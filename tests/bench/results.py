"""The benchmarks' results as data, and their table written into ``docs/benchmarks.md``.

Each benchmark returns its ``Row``s; ``python -m tests.bench`` writes them, with the facts of the
machine it ran on, between the document's two markers, so every figure in that section is from
the latest run. What lies outside the markers (how to read a figure) is kept as written.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

START = "<!-- bench:results:start (written by python -m tests.bench; do not edit) -->"
END = "<!-- bench:results:end -->"


@dataclass(frozen=True)
class Row:
    """One figure: what was measured, its value, its target if it has one, and whether the value
    meets it (None: no target)."""

    name: str
    measured: str
    target: str = "-"
    met: bool | None = None

    def markdown(self) -> str:
        met = "-" if self.met is None else "yes" if self.met else "**no**"
        cells = [self.name, self.measured, self.target, met]
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


@dataclass(frozen=True)
class Machine:
    """What the run can read about the machine it ran on, and how busy it was."""

    date: str
    cpus: int
    cpu_model: str
    python: str
    moto: str
    load_at_start: tuple[float, float, float]
    load_at_end: tuple[float, float, float] | None = None
    seconds: float | None = None

    def markdown(self) -> str:
        load = f"{_load(self.load_at_start)} at start"
        if self.load_at_end is not None:
            load += f", {_load(self.load_at_end)} at end"
        took = f"; the run took {self.seconds:.0f} s" if self.seconds is not None else ""
        return (
            f"Latest run: {self.date}, on {self.cpus} CPU(s) ({self.cpu_model}), "
            f"{platform.system()} {platform.machine()}, CPython {self.python}, moto {self.moto} "
            f"in-process{took}. Load average (1, 5, 15 min): {load}."
        )


def _load(averages: tuple[float, float, float]) -> str:
    return "/".join(f"{a:.1f}" for a in averages)


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown"


def this_machine() -> Machine:
    """The machine's facts now (the load at the run's start)."""
    return Machine(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        cpus=os.cpu_count() or 1,
        cpu_model=_cpu_model(),
        python=platform.python_version(),
        moto=version("moto"),
        load_at_start=os.getloadavg(),
    )


def section(rows: Sequence[Row], machine: Machine, markers: tuple[str, str] = (START, END)) -> str:
    """The generated section, markers included."""
    table = [
        "| benchmark | measured | target | met |",
        "|---|---|---|---|",
        *(row.markdown() for row in rows),
    ]
    return "\n".join([markers[0], "", machine.markdown(), "", *table, "", markers[1]])


def replaced(document: str, new_section: str, markers: tuple[str, str] = (START, END)) -> str:
    """``document`` with the text between its ``markers`` (included) replaced by
    ``new_section``."""
    first, last = markers
    start, end = document.find(first), document.find(last)
    if start < 0 or end < start:
        raise ValueError(f"the document has no section between {first!r} and {last!r}")
    return document[:start] + new_section + document[end + len(last) :]


def write(
    path: Path, rows: Sequence[Row], machine: Machine, markers: tuple[str, str] = (START, END)
) -> None:
    """``rows`` and ``machine`` written between ``markers`` (by default, the benchmarks')."""
    path.write_text(replaced(path.read_text(), section(rows, machine, markers), markers))
