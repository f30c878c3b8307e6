"""The code a test types into the privacy centre is one an authenticator app shows with time left:
a code typed in the last seconds of its window would reach the pool in the next one."""

from __future__ import annotations

import pytest

from local import cognito
from local.cognito import totp_code, totp_code_to_type

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class Clock:
    """``time`` as ``local.cognito`` sees it: a moment that moves only when slept through."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


@pytest.mark.parametrize(("into_window", "waits"), [(0.0, False), (19.0, False), (25.0, True)])
def test_a_code_about_to_change_is_waited_out(
    monkeypatch: pytest.MonkeyPatch, into_window: float, waits: bool
) -> None:
    start = 1_800_000_000 - 1_800_000_000 % 30 + into_window
    clock = Clock(start)
    monkeypatch.setattr(cognito, "time", clock)
    code = totp_code_to_type(SECRET, seconds_left=10)
    assert (clock.slept > 0) == waits
    assert 30 - clock.now % 30 >= 10  # at least ten seconds of the code's window remain
    assert code == totp_code(SECRET, at=clock.now)
