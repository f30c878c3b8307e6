"""Lost races: DynamoDB cancels a ``TransactWriteItems`` that touches an item another ongoing
transaction touches (cancellation reason ``TransactionConflict``) and refuses a single write of
such an item (``TransactionConflictException``); nothing of it is written, and botocore retries
neither ("Transaction conflict handling in DynamoDB",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling).
``until_won`` runs a step that decides and writes again, with bounded, fully jittered pauses,
and then answers ``LostRace``: 409 ``CONFLICT`` (API.md v1.2, Lost races), never a 503. A step
inside another's runs once, its lost race left to the outer one: the outer decides again from
what it reads, and all of them share one budget of tries (nested, they would multiply).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from botocore.exceptions import ClientError

from ongpt.platform.errors import Conflict
from ongpt.platform.telemetry import logger

T = TypeVar("T")

TRIES = 12
FIRST_PAUSE_SECONDS = 0.01  # then doubling, capped: a race lasts as long as a transaction
MAX_PAUSE_SECONDS = 0.2  # 12 tries wait at most about 1.5 s, well inside a function's timeout
RACED_CANCELLATIONS = frozenset({"None", "TransactionConflict"})
_RETRYING: ContextVar[bool] = ContextVar("retrying", default=False)  # inside an ``until_won``


class Raced(Exception):
    """Raised by a step whose own condition found another writer ahead (a taken sequence):
    deciding again may win."""


class LostRace(Conflict):
    """Still losing to concurrent writers after the retries; nothing was written."""


def lost_race(error: BaseException) -> bool:
    """Whether ``error`` says only that another transaction was writing the same items at once
    (or that the step was ``Raced``): nothing of it was written, so the step may run again."""
    if isinstance(error, Raced):
        return True
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code")
    if code == "TransactionConflictException":
        return True
    reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
    return (
        code == "TransactionCanceledException"
        and "TransactionConflict" in reasons
        and set(reasons) <= RACED_CANCELLATIONS
    )


def pause_before(attempt: int) -> float:
    """The pause before try ``attempt + 2``: full jitter under a doubling, capped ceiling."""
    ceiling = min(MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2**attempt)
    return random.uniform(0, ceiling)  # noqa: S311 - jitter


def until_won(
    step: Callable[[], T],
    *,
    tries: int = TRIES,
    lost: Callable[[], None] = lambda: None,
    pause: Callable[[float], None] = time.sleep,
) -> T:
    """``step()``, run again (``tries`` in all) while it loses a race; ``lost()`` is called for
    each race lost. ``LostRace`` when the last try loses too. Within another ``until_won`` (on
    this thread), ``step()`` once: a lost race goes up to the outer one."""
    if _RETRYING.get():
        return step()
    retrying = _RETRYING.set(True)
    try:
        return _tried(step, tries, lost, pause)
    finally:
        _RETRYING.reset(retrying)


def _tried(
    step: Callable[[], T], tries: int, lost: Callable[[], None], pause: Callable[[float], None]
) -> T:
    for attempt in range(tries):
        try:
            return step()
        except Exception as error:
            if not lost_race(error):
                raise
        lost()
        logger.info("lost a race", extra={"attempt": attempt + 1})
        if attempt < tries - 1:
            pause(pause_before(attempt))
    raise LostRace("The record changed meanwhile; nothing was done. Read it and try again.")
