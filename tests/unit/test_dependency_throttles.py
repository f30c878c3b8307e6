"""What the code does when AWS throttles it or its answer is lost: the senders' clients (SES and
SNS take no idempotency token) send a call again only when the service refused it (a throttle,
SNS's ``Throttled`` included, which botocore's standard mode does not retry) or was never
reached, never after an answer lost (a timeout, a 5xx); a dependency that still fails is a 503
that tells the client when to try again. The calls are answered through botocore's
``before-send`` event, below the SDK's retries, as AWS would answer them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from ongpt.platform import aws
from ongpt.platform.api import error_response
from ongpt.platform.errors import DependencyUnavailable, NotFound
from tests.support.fake_aws import use_fake_aws

URL = "https://email.ap-southeast-1.amazonaws.com"


class Body:
    """An HTTP body as botocore reads it."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.content


def ses(status: int, error: str | None = None) -> AWSResponse:
    """SES v2's answer (REST-JSON): the error's code in ``x-amzn-ErrorType``."""
    headers = {"x-amzn-ErrorType": error} if error else {}
    body = b'{"message": "refused"}' if error else b'{"MessageId": "m-1"}'
    return AWSResponse(URL, status, cast("Any", headers), Body(body))


def sns(status: int, error: str | None = None) -> AWSResponse:
    """SNS's answer (query protocol, XML)."""
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{error}</Code>"
        "<Message>refused</Message></Error></ErrorResponse>"
        if error
        else "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult>"
        "</PublishResponse>"
    )
    return AWSResponse(URL, status, cast("Any", {}), Body(body.encode()))


Answer = AWSResponse | Exception


@dataclass
class Sender:
    """A sender's client as the functions make it, its calls answered in turn by ``answers``."""

    client: Any
    answers: tuple[Answer, ...]
    calls: int = 0

    def __post_init__(self) -> None:
        self.client.meta.events.register("before-send", self._answer)

    def _answer(self, **_: Any) -> AWSResponse:
        answer = self.answers[self.calls]
        self.calls += 1
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def sender(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Sender]:
    use_fake_aws(monkeypatch)
    monkeypatch.setattr(aws, "FIRST_REFUSED_PAUSE_SECONDS", 0)  # no pause between tries
    return lambda service, *answers: Sender(aws._new_client(service), answers)


def send_email(sender: Sender) -> Any:
    return sender.client.send_email(
        FromEmailAddress="noreply@example.com",
        Destination={"ToAddresses": ["an@example.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
    )


def test_a_throttled_send_is_sent_again_until_the_service_takes_it(
    sender: Callable[..., Sender],
) -> None:
    email = sender("sesv2", ses(429, "TooManyRequestsException"), ses(200))
    assert send_email(email)["MessageId"] == "m-1"
    assert email.calls == 2
    sms = sender("sns", sns(429, "Throttled"), sns(429, "Throttled"), sns(200))
    assert sms.client.publish(PhoneNumber="+84967915569", Message="m")["MessageId"] == "m-1"
    assert sms.calls == 3


def test_a_send_that_reached_no_service_is_sent_again(sender: Callable[..., Sender]) -> None:
    email = sender("sesv2", EndpointConnectionError(endpoint_url=URL), ses(200))
    assert send_email(email)["MessageId"] == "m-1"
    assert email.calls == 2


def test_throttling_past_the_tries_is_raised(sender: Callable[..., Sender]) -> None:
    email = sender("sesv2", *[ses(429, "TooManyRequestsException")] * aws.SEND_TRIES)
    with pytest.raises(ClientError) as refused:
        send_email(email)
    assert email.calls == aws.SEND_TRIES
    assert not aws.answer_lost(refused.value)


@pytest.mark.parametrize(
    "lost", [ReadTimeoutError(endpoint_url=URL), ses(500, "InternalFailure"), ses(503)]
)
def test_a_send_whose_answer_was_lost_is_not_sent_again(
    sender: Callable[..., Sender], lost: Answer
) -> None:
    """It may have gone out: a second send could not be told from it."""
    email = sender("sesv2", lost, ses(200))
    with pytest.raises((ReadTimeoutError, ClientError)) as failed:
        send_email(email)
    assert email.calls == 1
    assert aws.answer_lost(failed.value)


def test_a_rejected_send_is_not_sent_again_and_was_not_sent(
    sender: Callable[..., Sender],
) -> None:
    email = sender("sesv2", ses(400, "MessageRejected"), ses(200))
    with pytest.raises(ClientError) as rejected:
        send_email(email)
    assert email.calls == 1
    assert not aws.answer_lost(rejected.value)


def test_a_503_says_when_to_try_again_and_other_errors_do_not() -> None:
    unavailable = error_response(DependencyUnavailable("Please try again shortly."))
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "1")
    assert "Retry-After" not in error_response(NotFound("Not found.")).headers
