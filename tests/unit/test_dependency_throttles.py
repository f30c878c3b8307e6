"""What the code does when AWS throttles it past the SDK's retries: SNS's ``Throttled``, which
botocore's standard mode does not retry, is sent again by ``unthrottled``; a dependency that
still fails is a 503 that tells the client when to try again."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ongpt.platform import aws
from ongpt.platform.api import error_response
from ongpt.platform.errors import DependencyUnavailable, NotFound


def refused(code: str) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "injected"}}
    return ClientError(response, "Publish")


class Publishing:
    """A publish refused with ``errors``, one per call, then accepted."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "message-id"


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ongpt.platform.aws.time.sleep", lambda _: None)


def test_an_sms_throttled_by_sns_is_sent_again_until_sns_takes_it() -> None:
    publish = Publishing(refused("Throttled"), refused("Throttled"))
    assert aws.unthrottled(publish) == "message-id"
    assert publish.calls == 3


def test_sns_throttling_past_the_tries_and_other_errors_are_raised() -> None:
    publish = Publishing(*[refused("Throttled")] * aws.THROTTLED_TRIES)
    with pytest.raises(ClientError):
        aws.unthrottled(publish)
    assert publish.calls == aws.THROTTLED_TRIES
    invalid = Publishing(refused("InvalidParameter"))
    with pytest.raises(ClientError):
        aws.unthrottled(invalid)
    assert invalid.calls == 1


def test_a_503_says_when_to_try_again_and_other_errors_do_not() -> None:
    unavailable = error_response(DependencyUnavailable("Please try again shortly."))
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "1")
    assert "Retry-After" not in error_response(NotFound("Not found.")).headers
