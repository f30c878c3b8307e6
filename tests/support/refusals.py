"""One AWS operation refused, as botocore raises once its own retries are spent: for tests of
what a write leaves when one of its calls fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ongpt.notify.delivery import Notifier


@contextmanager
def refusing(
    monkeypatch: pytest.MonkeyPatch, operation: str, code: str = "InternalServerError"
) -> Iterator[list[str]]:
    """Every call of ``operation`` (e.g. ``TransactWriteItems``) fails with ``code`` while inside;
    yields the refusals made, one line per refused call."""
    real = vars(BaseClient)["_make_api_call"]  # private to botocore
    refused: list[str] = []

    def make_api_call(client: BaseClient, name: str, params: Any) -> Any:
        if name == operation:
            refused.append(name)
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, name)
        return real(client, name, params)

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", make_api_call)
        yield refused


def failing_email_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The delivery worker's first email fails as SES refuses after the SDK's retries; the
    failures made (at most one)."""
    original, failures = Notifier.send, list[str]()

    def failing_once(self: Notifier, channel: str, *args: Any) -> bool:
        if channel == "email" and not failures:
            failures.append(channel)
            raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
        return original(self, channel, *args)

    monkeypatch.setattr(Notifier, "send", failing_once)
    return failures
