"""Fixtures shared by the in-process tests."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from ongpt import telemetry


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
