"""Limits on what the service sends to addresses it has not proven (no SMS or email pumping).

Per address, counted by the address's blind index, never the address, two budgets: the codes its
owner asks for (a sign-up, a recovery, an edit request's proof), at most 3 an hour and 10 a day;
and the messages other people's requests cause (the notice "this address already has an
account", another customer's edit-request code to it), at most 1 a day, so that a stranger's
requests with someone's address never use up the owner's codes. Per caller (a guest's identity,
a customer): at most 100 requests an hour that send codes (a person needs a few; a guest can get
a new identity at will, so the WAF's per-IP rule and the per-address limits are what stop
pumping). Each counter is an item of the Registrations table for one window, raised with ``ADD``
under a condition (all windows in one transaction) and removed by its TTL. Over a limit nothing
is sent, the answer is the same, and the hit is the metric ``CodeSendsLimited`` (dimensions:
which limit and channel, never a personal value).

The same counters hold a caller to 5 complaints a day (API.md, Limits), counted in the
complaint's own transaction: over it, nothing is filed and the answer is 429.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from ongpt.notify.store import Counter, SendCounters
from ongpt.platform.clock import utcnow
from ongpt.platform.telemetry import NAMESPACE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

HOUR, DAY = 3600, 86400


@dataclass(frozen=True)
class Window:
    name: str
    seconds: int
    limit: int


PER_ADDRESS = (Window("hour", HOUR, 3), Window("day", DAY, 10))  # codes its owner asks for
NOTICES_PER_ADDRESS = (Window("day", DAY, 1),)  # notices that others' requests cause
PER_CALLER = (Window("hour", HOUR, 100),)
COMPLAINTS_PER_CALLER = (Window("day", DAY, 5),)  # API.md: at most 5 complaints a day


def limited(limit: str, channel: str) -> None:
    """One ``CodeSendsLimited`` data point: what was limited, on which channel."""
    with single_metric(
        name="CodeSendsLimited", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="limit", value=limit)
        metric.add_dimension(name="channel", value=channel)


class SendLimits:
    def __init__(
        self, send_counters: SendCounters, clock: Callable[[], datetime] = lambda: utcnow()
    ) -> None:
        self._send_counters, self._clock = send_counters, clock

    def to_address(self, channel: str, blind_index: str) -> bool:
        """Count one code to the address (``email`` or ``phone`` and its blind index); whether
        it may be sent."""
        return self._take(f"ADDRESS#{channel}#{blind_index}", PER_ADDRESS, "address", channel)

    def notice_to_address(self, channel: str, blind_index: str) -> bool:
        """Count one message that someone else's request causes to the address; whether it may
        be sent. Its budget is its own: such messages never use up the owner's codes."""
        return self._take(f"NOTICE#{channel}#{blind_index}", NOTICES_PER_ADDRESS, "notice", channel)

    def by_caller(self, caller_id: str) -> bool:
        """Count one request that sends codes; whether the caller may make it. The id is kept
        only as a hash."""
        return self._take(f"CALLER#{_hashed(caller_id)}", PER_CALLER, "caller", "any")

    def complaint_by(self, caller_id: str) -> list[TransactWriteItemTypeDef]:
        """The items that count one more complaint by the caller, for the complaint's own
        transaction, which they fail at the day's limit (the id kept only as a hash)."""
        subject = f"COMPLAINTS#{_hashed(caller_id)}"
        return self._send_counters.counting(self._counters(subject, COMPLAINTS_PER_CALLER))

    def _take(self, subject: str, windows: tuple[Window, ...], limit: str, channel: str) -> bool:
        if self._send_counters.take(self._counters(subject, windows)):
            return True
        limited(limit, channel)
        return False

    def _counters(self, subject: str, windows: tuple[Window, ...]) -> list[Counter]:
        """The subject's counter of the current period of each window."""
        now = int(self._clock().timestamp())
        counters: list[Counter] = []
        for window in windows:
            start = now - now % window.seconds
            counters.append(
                Counter(f"{subject}#{window.name}#{start}", window.limit, start + window.seconds)
            )
        return counters


def _hashed(caller_id: str) -> str:
    return hashlib.sha256(caller_id.encode()).hexdigest()
