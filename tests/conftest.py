"""One synthesis of the whole app per test session, shared by infra and end-to-end tests; the
compliance gates run as part of it. Only a test that asks for it synthesizes (unit tests do not
even import the CDK). ``template_json`` is the app's stacks read as one (``infra/assembly.py``),
for the tests that look for a resource wherever it is; ``stack_templates``, each stack's own."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from infra.assembly import merged
from infra.assembly import stack_templates as read_stack_templates

pytest_plugins = ["tests.traceability"]


@pytest.fixture(scope="session")
def assembly_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthesized app. Parallel workers (xdist) share one synthesis: the first to ask
    synthesizes while the others wait, then all read it (nothing writes to it afterwards)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's root
    outdir = shared / "cdk.out"
    with (shared / "cdk.out.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not outdir.exists():  # a synthesis that failed left nothing: this worker tries again
            from app import build_app  # the CDK takes seconds to import

            staging = Path(tempfile.mkdtemp(prefix="cdk.out-", dir=shared))
            build_app(outdir=str(staging)).synth()  # raises on any unacknowledged finding
            staging.rename(outdir)
    return outdir


@pytest.fixture(scope="session")
def stack_templates(assembly_dir: Path) -> dict[str, dict[str, Any]]:
    return read_stack_templates(assembly_dir)


@pytest.fixture(scope="session")
def template_json(stack_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return merged(stack_templates.values())


TIERS = {"scale": "SCALE", "chaos": "CHAOS"}  # a tier's marker, and the variable that runs it


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The scale tier's sizes (``scale``) and the chaos tier's long runs (``chaos``) are
    skipped unless ``SCALE=1`` or ``CHAOS=1``: ``make scale``, ``make chaos``."""
    for marker, variable in TIERS.items():
        if os.environ.get(variable) == "1":
            continue
        skipped = pytest.mark.skip(reason=f"the {marker} tier: {variable}=1")
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skipped)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the least-privilege test recorded: per function, the AWS actions its code used."""
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    used = sorted(
        str(value)
        for report in reports
        for name, value in getattr(report, "user_properties", [])
        if name == "least_privilege"
    )
    if used:
        terminalreporter.write_sep("-", "least privilege: the AWS actions each function used")
        for line in used:
            terminalreporter.write_line(line)
