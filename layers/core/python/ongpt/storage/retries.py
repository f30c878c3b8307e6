"""A DynamoDB write tried again within the invocation, for a write whose loss costs more than
the wait: the record of something that cannot be undone (a message sent). botocore has already
retried it (``ongpt.platform.aws``, standard mode); this waits longer, with backoff and full
jitter, and only for errors that say nothing about the write itself: throttles, the service's
own failures, a transaction cancelled by another one or by a throttle, a connection that failed
or timed out. A failed condition (``TransactionConflict``) or any other error is raised at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as ConnectionFailed

T = TypeVar("T")

TRIES = 4
FIRST_PAUSE_SECONDS = 0.1  # then 0.2, 0.4: at most 0.7 s in all, well inside a worker's timeout
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
# A cancelled transaction is worth trying again when each of its items was cancelled for one of
# these (``None``: that item was fine): another transaction on an item, or a throttle.
TRANSIENT_CANCELLATIONS = frozenset(
    {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


def transient(error: BaseException) -> bool:
    """Whether ``error`` leaves the write worth trying again."""
    if not isinstance(error, ClientError):
        return isinstance(error, ConnectionFailed | HTTPClientError)
    code = error.response.get("Error", {}).get("Code")
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons", [])
        return all(reason.get("Code") in TRANSIENT_CANCELLATIONS for reason in reasons)
    return code in TRANSIENT_CODES


def retried(
    write: Callable[[], T],
    *,
    tries: int = TRIES,
    pause: Callable[[float], None] = time.sleep,
) -> T:
    """``write()``, tried again (at most ``tries`` in all) while it fails transiently."""
    for attempt in range(tries - 1):
        try:
            return write()
        except Exception as error:
            if not transient(error):
                raise
        pause(random.uniform(0, FIRST_PAUSE_SECONDS * 2**attempt))  # noqa: S311 - jitter
    return write()
