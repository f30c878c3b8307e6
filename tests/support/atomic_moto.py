"""Moto difference: its DynamoDB checks a write's condition and then writes, without a lock, so
two threads can both pass ``attribute_not_exists``; DynamoDB evaluates the condition and writes
atomically. Concurrency tests over moto in-process make each write atomic, as in AWS.

Reads take the same lock: moto iterates a partition's dict while a write may add to it
("RuntimeError: dictionary changed size during iteration" in a query racing an append)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
READS = ("get_item", "query", "scan")
_LOCK = threading.RLock()


@contextmanager
def atomic_writes(monkeypatch: pytest.MonkeyPatch | None = None) -> Iterator[None]:
    patch = monkeypatch or pytest.MonkeyPatch()
    for name in (*WRITES, *READS):
        original = getattr(DynamoDBBackend, name)

        @wraps(original)
        def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _LOCK:
                return _original(self, *args, **kwargs)

        patch.setattr(DynamoDBBackend, name, atomic)
    try:
        yield
    finally:
        if monkeypatch is None:
            patch.undo()
