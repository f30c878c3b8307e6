"""One AWS call that fails, as botocore raises once its own retries are spent: for tests of what a
write leaves behind when the call that carries it fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError


def failing_once(
    monkeypatch: pytest.MonkeyPatch, code: str, *operations: str, touching: str = ""
) -> None:
    """The first call of one of ``operations`` (whose request names ``touching``, e.g. a table,
    if given) fails with ``code``; every other call goes through."""
    real = vars(BaseClient)["_make_api_call"]  # private to botocore
    failed: list[str] = []

    def once(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if not failed and operation in operations and touching in json.dumps(params, default=str):
            failed.append(operation)
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", once)
