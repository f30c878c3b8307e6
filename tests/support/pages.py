"""Lists a page at a time (API.md v1.2, Pages): every item by following ``next``, and the AWS
calls a request makes, to count what one page costs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.client import BaseClient

from local.client import SignedSession

# One page: its status and body, for the query parameters given (a cursor, after the first).
Ask = Callable[[dict[str, str]], tuple[int, dict[str, Any]]]


def every_page(ask: Ask, name: str) -> list[dict[str, Any]]:
    """Every item of the list ``name``, from its first page to the one whose ``next`` is null."""
    items: list[dict[str, Any]] = []
    query: dict[str, str] = {}
    while True:
        status, body = ask(query)
        assert status == 200, body
        items += body[name]
        if body["next"] is None:
            return items
        query = {"cursor": body["next"]}


def signed(session: SignedSession, path: str, **query: str) -> Ask:
    """The pages of ``path`` (with ``query``) asked through the local runtime by ``session``."""

    def ask(more: dict[str, str]) -> tuple[int, dict[str, Any]]:
        answer = session.request("GET", f"{path}?{urlencode({**query, **more})}")
        return answer.status_code, answer.json()

    return ask


@contextmanager
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any], Any]]]:
    """Every AWS call made in-process while open: ``service.Operation``, its parameters and its
    answer."""
    real = vars(BaseClient)["_make_api_call"]  # private to botocore
    calls: list[tuple[str, dict[str, Any], Any]] = []

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        answer = real(client, operation, params)
        calls.append((f"{client.meta.service_model.service_name}.{operation}", params, answer))
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recorded)
        yield calls
