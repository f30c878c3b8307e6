"""Waiting for the event sources to have nothing pending, so that ``GET /_local/outbox`` right
after a request sees the notices it caused: the queue pollers' messages handled, then the
outbox's stream records delivered (a queue worker may enqueue notices, a stream worker may not
queue messages, but every round is checked again until one round did nothing)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol


class Poller(Protocol):
    invocations: int

    def settle(self, deadline: float) -> bool: ...


# Long enough for a delivery worker that starts cold on a loaded machine (its first process)
SETTLE_SECONDS = 15.0


def settle(pollers: Sequence[Poller], seconds: float = SETTLE_SECONDS) -> bool:
    """Whether every poller settled, in one round that invoked nothing, within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = [poller.invocations for poller in pollers]
        settled = [poller.settle(deadline) for poller in pollers]  # each, none skipped
        if all(settled) and before == [poller.invocations for poller in pollers]:
            return True
    return False
