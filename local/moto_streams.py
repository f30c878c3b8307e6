"""Moto difference: a DynamoDB transaction that fails restores deep copies of its tables taken
when it began, and with them a copy of each table's stream shard; the shard iterators already
handed out (a stream poller's) keep pointing at the replaced shard and never see a later record.
On AWS a failed transaction writes nothing and leaves the stream as it was. Here the live shard
object is kept, holding the restored records, so pollers go on reading it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend


def _keeping_shards(transact: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(transact)
    def keeping(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        shards = {name: t.stream_shard for name, t in self.tables.items() if t.stream_shard}
        try:
            return transact(self, *args, **kwargs)
        except Exception:
            for name, shard in shards.items():
                restored = self.tables.get(name)
                if restored is not None and restored.stream_shard not in (None, shard):
                    shard.items = restored.stream_shard.items
                    shard.table = restored
                    restored.stream_shard = shard
            raise

    keeping.keeps_shards = True  # type: ignore[attr-defined]
    return keeping


def keep_stream_shards() -> None:
    """Patch this process's moto (once is enough)."""
    original = DynamoDBBackend.transact_write_items
    if not getattr(original, "keeps_shards", False):
        DynamoDBBackend.transact_write_items = _keeping_shards(original)  # type: ignore[method-assign]
