"""Fixtures shared by the in-process tests."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ongpt.platform import telemetry
from tests.support.deployed import Deployed, deployed


@pytest.fixture
def every_log_line(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """What the functions' logger writes, as Lambda would see it, and every other logger."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(telemetry.logger.registered_formatter)
    telemetry.logger.addHandler(handler)  # Powertools' Logger passes these to its logger
    caplog.set_level(logging.DEBUG)
    try:
        yield lines
    finally:
        telemetry.logger.removeHandler(handler)  # type: ignore[attr-defined]
        lines.write(caplog.text)


@pytest.fixture(scope="module")
def aws(assembly_dir: Path) -> Iterator[Deployed]:
    """The stack over moto, a world of its own for each test module."""
    with deployed(assembly_dir) as env:
        yield env
