"""Calls served whose answer was lost (issue 26, item 4): a sender's client does not send them
again (``ongpt.platform.aws``), so a send whose answer was lost counts as sent, once."""

from __future__ import annotations

from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.store import NoticeStore
from tests.support.metrics import emitted


class Ses:
    """SES answering each send with ``error``, after taking it."""

    def __init__(self, error: Exception) -> None:
        self.error, self.sends = error, 0

    def send_email(self, **_: Any) -> None:
        self.sends += 1
        raise self.error


class History:
    """The customer's history of notices: the lines written, less those taken back."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def record(self, _customer_id: str, kind: str, _channel: str, _at: str) -> str:
        self.lines.append(kind)
        return kind

    def forget(self, _customer_id: str, entry: str) -> None:
        self.lines.remove(entry)


def notifier(ses: Ses, history: History) -> Notifier:
    return Notifier(
        cast("Any", ses),
        cast("Any", None),
        "noreply@example.com",
        "set",
        cast("NoticeStore", history),
        ("84",),
    )


def test_a_send_whose_answer_was_lost_counts_as_sent_once_and_is_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ses, history = Ses(ReadTimeoutError(endpoint_url="https://email")), History()
    notifier(ses, history).email("an@example.com", Kind.ACCOUNT_EXISTS, "vi", customer_id="c-1")
    assert ses.sends == 1
    assert history.lines == ["account_exists"]  # it may have gone: its history line stays
    assert emitted(capsys.readouterr().out, "SendsUnconfirmed") == [1]


def test_a_refused_send_is_raised_and_leaves_no_history() -> None:
    refusal = ClientError({"Error": {"Code": "MessageRejected"}}, "SendEmail")
    ses, history = Ses(refusal), History()
    with pytest.raises(ClientError):
        notifier(ses, history).email("an@example.com", Kind.ACCOUNT_EXISTS, "vi", customer_id="c-1")
    assert history.lines == []
