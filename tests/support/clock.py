"""The shared package's clock moved on, for paths that wait for time (a resend 60 s after the
last): every ``ongpt.platform.clock.utcnow()`` reads the wall clock plus ``ahead``. The code
under test is not touched: whatever asks that clock for the time, in any module, is moved."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import pytest

from ongpt.platform import clock


@dataclass
class MovedClock:
    ahead: timedelta = timedelta(0)

    def move_on(self, by: timedelta) -> None:
        self.ahead += by

    @contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[MovedClock]:
        """Moved on from the wall clock by ``ahead`` (from nothing) while installed."""
        moved = self
        moved.ahead = timedelta(0)

        class Later(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> Later:
                return super().now(tz) + moved.ahead

        with monkeypatch.context() as patch:
            patch.setattr(clock, "datetime", Later)
            yield self
