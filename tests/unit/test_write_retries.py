"""``storage.retries.retried``: a write whose loss costs more than the wait (a sent notice's
mark) is tried again, boundedly and with growing pauses, only while it fails transiently."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from ongpt.storage.dynamo import TransactionConflict
from ongpt.storage.retries import TRIES, retried


def error(code: str, *cancelled: str) -> ClientError:
    """The error ``code``; a cancelled transaction's items cancelled for ``cancelled``."""
    reasons = [{"Code": reason} for reason in cancelled]
    response: Any = {"Error": {"Code": code, "Message": "injected"}, "CancellationReasons": reasons}
    return ClientError(response, "TransactWriteItems")


class Failing:
    """A write that fails with ``errors``, one per call, then succeeds; its calls counted."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "written"


@pytest.mark.parametrize(
    "transient",
    [
        error("ProvisionedThroughputExceededException"),
        error("ThrottlingException"),
        error("InternalServerError"),
        error("TransactionCanceledException", "None", "TransactionConflict"),
        error("TransactionCanceledException", "ThrottlingError", "None"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
    ],
    ids=[
        "throughput",
        "throttled",
        "internal",
        "cancelled by a conflict",
        "cancelled by a throttle",
        "read timeout",
        "no connection",
    ],
)
def test_a_transient_failure_is_tried_again_after_a_pause(transient: Exception) -> None:
    pauses: list[float] = []
    write = Failing(transient)
    assert retried(write, pause=pauses.append) == "written"
    assert write.calls == 2
    assert len(pauses) == 1


def test_the_tries_are_bounded_and_the_pauses_grow_at_most_twofold() -> None:
    pauses: list[float] = []
    write = Failing(*[error("ThrottlingException")] * TRIES)
    with pytest.raises(ClientError):
        retried(write, pause=pauses.append)
    assert write.calls == TRIES
    assert len(pauses) == TRIES - 1
    assert all(0 <= p <= 0.1 * 2**n for n, p in enumerate(pauses))


@pytest.mark.parametrize(
    "final",
    [
        TransactionConflict([0]),
        error("TransactionCanceledException", "None", "ValidationError"),
        error("ValidationException"),
        error("AccessDeniedException"),
    ],
    ids=["condition failed", "cancelled as invalid", "invalid", "denied"],
)
def test_a_failure_that_says_something_about_the_write_is_raised_at_once(final: Any) -> None:
    pauses: list[float] = []
    write = Failing(final)
    with pytest.raises(type(final)):
        retried(write, pause=pauses.append)
    assert (write.calls, pauses) == (1, [])
