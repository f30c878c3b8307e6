"""``python -m tests.bench`` writes its figures into docs/benchmarks.md (issue 14, item 5): the
section between the markers is replaced by the latest run's rows; the prose around it is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.results import END, START, Machine, Row, section, write

MACHINE = Machine(
    date="2026-11-26 03:00 UTC",
    cpus=2,
    cpu_model="AMD EPYC",
    python="3.11.7",
    moto="5.2.5",
    load_at_start=(1.0, 2.0, 3.0),
    load_at_end=(4.0, 5.0, 6.0),
    seconds=150,
)
PROSE_BEFORE = "# Benchmarks\n\nHow to read a figure: ratios compare figures of one run.\n\n"
PROSE_AFTER = "\n\n## Why a target is not met\n\nmoto scans an index.\n"


def test_the_writer_replaces_the_section_and_keeps_the_prose(tmp_path: Path) -> None:
    document = tmp_path / "benchmarks.md"
    old = f"{START}\n| old | 99 | - | - |\n{END}"
    document.write_text(PROSE_BEFORE + old + PROSE_AFTER)
    rows = [Row("AWS calls, GET /v1/me warm", "1: GetItem", "≤ 1", True), Row("start-up", "2 s")]

    write(document, rows, MACHINE)

    written = document.read_text()
    assert written == PROSE_BEFORE + section(rows, MACHINE) + PROSE_AFTER
    assert "| old | 99 |" not in written
    assert "| AWS calls, GET /v1/me warm | 1: GetItem | ≤ 1 | yes |" in written
    assert "| start-up | 2 s | - | - |" in written
    assert "1.0/2.0/3.0 at start, 4.0/5.0/6.0 at end" in written
    assert "moto 5.2.5" in written


def test_a_target_not_met_is_marked_and_a_pipe_does_not_break_the_table() -> None:
    assert Row("cold start", "2.1 | 2.3", "≤ 1.5", False).markdown() == (
        "| cold start | 2.1 \\| 2.3 | ≤ 1.5 | **no** |"
    )


def test_a_document_without_the_markers_is_refused(tmp_path: Path) -> None:
    document = tmp_path / "benchmarks.md"
    document.write_text(PROSE_BEFORE)
    with pytest.raises(ValueError, match="no section"):
        write(document, [], MACHINE)
    assert document.read_text() == PROSE_BEFORE


def test_the_committed_document_has_one_generated_section() -> None:
    document = (Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md").read_text()
    assert document.count(START) == document.count(END) == 1
