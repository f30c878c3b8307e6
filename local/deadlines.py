"""A deadline on the runtime's clock: a callback when ``seconds`` of it have passed.

The runtime's clock (``Holds.clock``) stands still while a test holds a call at moto
(``local/holds.py``): a hold models a pause between two steps that costs no time on AWS, so it
does not count against a function's timeout or API Gateway's."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class Deadline:
    """Calls ``expire`` once ``seconds`` have passed on ``clock``, unless cancelled first."""

    def __init__(self, seconds: float, expire: Callable[[], None], clock: Clock = time.monotonic):
        self.clock, self.expire = clock, expire
        self.end = clock() + seconds
        self.expired = False
        self._cancelled = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._arm()

    def _arm(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            left = self.end - self.clock()
            if left > 0:  # not yet, or the clock stood still meanwhile: wait for the rest
                self._timer = threading.Timer(left, self._arm)
                self._timer.daemon = True
                self._timer.start()
                return
            self.expired = True
        self.expire()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._timer is not None:
                self._timer.cancel()
