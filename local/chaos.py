"""Chaos mode: the partial, short, stale and throttled answers AWS gives every day, on demand.

Off unless ``LOCAL_CHAOS`` is set, read by the local runtime (its moto) and by the in-process
world (``tests/support/deployed.py``), e.g.
``LOCAL_CHAOS="unprocessed=0.2,short_pages=0.3,stale_ms=200,throttle=0.05,tx_latency_ms=50"``
(each optional; ``seed=N`` repeats a run's draws). Applied per call at moto, so the SDK's own
retries behave as on AWS (it retries throttling errors itself, never unprocessed items):

- ``unprocessed`` (a rate): each key of a ``BatchGetItem`` and each request of a
  ``BatchWriteItem`` is left unprocessed at that rate and handed back in ``UnprocessedKeys`` /
  ``UnprocessedItems`` (at least one is processed per call, as DynamoDB makes progress;
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html,
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html);
- ``short_pages`` (a rate): a ``Query`` or ``Scan`` answers a page of 1 to 3 items with its
  ``LastEvaluatedKey``, as DynamoDB stops a page at 1 MB
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html);
- ``stale_ms``: a global secondary index query and an eventually consistent ``GetItem``,
  ``Query`` or ``Scan`` miss the writes of the last ``stale_ms`` milliseconds: an item written
  since is answered as it was before (left out if it did not exist; an item deleted since is
  not brought back into a query) ("Read consistency",
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html;
  a GSI is eventually consistent only,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html);
- ``throttle`` (a rate): a DynamoDB, KMS, Cognito, SES or SNS data call is refused with that
  service's throttling error (``ProvisionedThroughputExceededException``,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html;
  KMS ``ThrottlingException``, https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html;
  Cognito ``TooManyRequestsException``,
  https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html; SES v2
  ``TooManyRequestsException`` (429) and SNS ``Throttled`` (429), their API references);
- ``tx_latency_ms``: each DynamoDB transaction takes that long, during which it conflicts with
  others (``local/transactions.py``).

Calls made before ``arm`` (the provisioning of the template's resources) are served plainly.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

VARIABLE = "LOCAL_CHAOS"
Response = tuple[int, dict[str, Any], str]


@dataclass(frozen=True)
class Chaos:
    unprocessed: float = 0.0
    short_pages: float = 0.0
    stale_ms: float = 0.0
    throttle: float = 0.0
    tx_latency_ms: float = 0.0
    seed: float | None = None


OFF = Chaos()
_armed = threading.Event()
_parsed: dict[str, tuple[Chaos, random.Random]] = {}


def parse(text: str) -> Chaos:
    """``name=value,...`` as above; an unknown name is an error, not ignored."""
    known = {f.name for f in fields(Chaos)}
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in known:
            raise ValueError(f"{VARIABLE}: unknown setting {name!r} (known: {sorted(known)})")
        values[name] = float(value)
    return Chaos(**values)


def _current() -> tuple[Chaos, random.Random]:
    text = os.environ.get(VARIABLE, "") if _armed.is_set() else ""
    if text not in _parsed:
        chaos = parse(text)
        _parsed[text] = (chaos, random.Random(chaos.seed))  # noqa: S311 - draws, not secrets
    return _parsed[text]


def settings() -> Chaos:
    """The chaos in force now (``OFF`` until armed or without ``LOCAL_CHAOS``)."""
    return _current()[0]


def draw(rate: float) -> bool:
    """True at ``rate``."""
    return rate > 0 and _current()[1].random() < rate


def arm() -> None:
    """From now on, calls meet the chaos ``LOCAL_CHAOS`` asks for."""
    _armed.set()


def disarm() -> None:
    _armed.clear()


# Throttling: the error each service answers, by the moto handler serving it.
def _json_error(content_type: str, code: str, message: str) -> Response:
    body = {"__type": code, "message": message}
    return 400, {"Content-Type": content_type, "x-amzn-ErrorType": code}, json.dumps(body)


def _dynamodb_throttled() -> Response:
    code = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
    message = "The level of configured provisioned throughput for the table was exceeded."
    return _json_error("application/x-amz-json-1.0", code, message)


def _sesv2_throttled() -> Response:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException"}
    return 429, headers, json.dumps({"message": "Too many requests"})


def _sns_throttled() -> Response:
    body = (
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
        "<Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message></Error>"
        "<RequestId>chaos</RequestId></ErrorResponse>"
    )
    return 429, {"Content-Type": "text/xml"}, body


THROTTLED: dict[str, Callable[[], Response]] = {
    "moto.dynamodb.responses.DynamoHandler": _dynamodb_throttled,
    "moto.kms.responses.KmsResponse": lambda: _json_error(
        "application/x-amz-json-1.1", "ThrottlingException", "Rate exceeded"
    ),
    "moto.cognitoidp.responses.CognitoIdpResponse": lambda: _json_error(
        "application/x-amz-json-1.1", "TooManyRequestsException", "Rate exceeded"
    ),
    "moto.sesv2.responses.SESV2Response": _sesv2_throttled,
    "moto.sns.responses.SNSResponse": _sns_throttled,
}
CONTROL_PLANE = ("Create", "Delete", "Describe", "List", "Tag", "Untag", "Update", "Set")
CONTROL_PLANE_EXCEPTIONS = ("DeleteItem", "UpdateItem")


def _data_call(operation: str) -> bool:
    """A call of the kind that meets throttles at run time (not setting resources up)."""
    return operation in CONTROL_PLANE_EXCEPTIONS or not operation.startswith(CONTROL_PLANE)


# DynamoDB: partial batches, short pages, stale reads.
class History:
    """Each item's version before each of its writes in the last ``stale_ms``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._before: dict[tuple[str, str], list[tuple[float, dict[str, Any] | None]]] = {}

    def record(self, item: tuple[str, str], before: dict[str, Any] | None) -> None:
        stale_ms = settings().stale_ms
        if not stale_ms:
            return
        now = time.monotonic()
        with self._lock:
            self._before.setdefault(item, []).append((now, before))
            if len(self._before) > 1000:  # forget what no read can miss any more
                horizon = now - stale_ms / 1000
                self._before = {
                    k: kept
                    for k, v in self._before.items()
                    if (kept := [e for e in v if e[0] > horizon])
                }

    def seen_as(
        self, item: tuple[str, str], current: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """``current`` as a read that misses the last ``stale_ms`` of writes sees it."""
        horizon = time.monotonic() - settings().stale_ms / 1000
        with self._lock:
            recent = [before for at, before in self._before.get(item, []) if at > horizon]
        return recent[0] if recent else current


HISTORY = History()


def _key_json(names: list[str | None], attributes: dict[str, Any]) -> str:
    """An item's key attributes as one string, whether values are parsed or JSON."""
    values = [attributes.get(name) for name in names if name]
    return json.dumps(values, sort_keys=True, default=lambda b: base64.b64encode(b).decode())


def _partial(handler: Any, field: str, unprocessed: str) -> Callable[[Response], Response]:
    """Leave some of a batch's keys (``field``: ``Keys``) or requests (``field``: none) out, at
    ``unprocessed``'s rate, to be handed back in the answer's ``unprocessed``; what to do to
    the answer."""
    sent = json.loads(handler.body or "{}")["RequestItems"]  # as sent: binary still in base64
    requested = handler.params["RequestItems"]
    entries = [(t, i) for t, batch in requested.items() for i in range(len(_in(batch, field)))]
    left = [e for e in entries if draw(settings().unprocessed)][: len(entries) - 1]
    back: dict[str, Any] = {}
    for table, index in sorted(left, reverse=True):  # from the end: the indexes still hold
        _in(requested[table], field).pop(index)
        back.setdefault(table, {**sent[table], field: []} if field else [])
        _in(back[table], field).insert(0, _in(sent[table], field)[index])
    for table in [t for t, batch in requested.items() if not _in(batch, field)]:
        del requested[table]

    def answer(response: Response) -> Response:
        status, headers, body = response
        if status != 200 or not back:
            return response
        answered = json.loads(body)
        answered[unprocessed] = {**answered.get(unprocessed, {}), **back}
        return status, headers, json.dumps(answered)

    return answer


def _in(batch: Any, field: str) -> list[Any]:
    """A table's entries in a batch: the list itself, or its ``field``."""
    return batch[field] if field else batch  # type: ignore[no-any-return]


def _stale(handler: Any, operation: str) -> Callable[[Response], Response]:
    """What a read that misses the last ``stale_ms`` of writes answers instead."""
    params = handler.params
    table = handler.dynamodb_backend.tables.get(params.get("TableName"))
    if table is None or not settings().stale_ms:
        return lambda response: response
    names = [table.hash_key_attr, table.range_key_attr]

    def seen(item: dict[str, Any] | None, key: dict[str, Any]) -> dict[str, Any] | None:
        """``item`` (None: absent) as it was; only the attributes the read asked for, if the
        item is there now to say which."""
        before = HISTORY.seen_as((table.name, _key_json(names, key)), item)
        if before is None or item is None:
            return before
        return {name: value for name, value in before.items() if name in item}

    def answer(response: Response) -> Response:
        status, headers, body = response
        if status != 200:
            return response
        answered = json.loads(body)
        if operation == "GetItem":  # an item deleted since is still there for this read
            if (item := seen(answered.pop("Item", None), params["Key"])) is not None:
                answered["Item"] = item
        elif "Items" in answered:
            items = (seen(item, item) for item in answered["Items"])
            answered["Items"] = [item for item in items if item is not None]
            answered["Count"] = len(answered["Items"])
        return status, headers, json.dumps(answered)

    return answer


def _dynamodb(handler: Any, operation: str) -> Callable[[Response], Response]:
    """Change the request as chaos asks; what to do to its answer."""
    chaos = settings()
    if operation == "BatchGetItem" and chaos.unprocessed:
        return _partial(handler, "Keys", "UnprocessedKeys")
    if operation == "BatchWriteItem" and chaos.unprocessed:
        return _partial(handler, "", "UnprocessedItems")
    if operation in ("Query", "Scan") and draw(chaos.short_pages):
        page = _current()[1].randint(1, 3)
        handler.params["Limit"] = min(handler.params.get("Limit", page), page)
    eventual = not handler.params.get("ConsistentRead") or "IndexName" in handler.params
    if operation in ("GetItem", "Query", "Scan") and eventual:
        return _stale(handler, operation)
    return lambda response: response


def _chaotic(
    call_action: Callable[[Any], Response], throttled: Callable[[], Response], dynamodb: bool
) -> Any:
    @wraps(call_action)
    def chaotic(self: Any) -> Response:
        chaos = settings()
        if chaos == OFF:
            return call_action(self)
        operation = self._get_action()
        if _data_call(operation) and draw(chaos.throttle):
            return throttled()
        if not dynamodb:
            return call_action(self)
        return _dynamodb(self, operation)(call_action(self))

    chaotic.chaotic = True  # type: ignore[attr-defined]
    return chaotic


def _recording(write: Callable[..., Any]) -> Callable[..., Any]:
    """A backend write that first records the item's version before it (``HISTORY``)."""

    @wraps(write)
    def recording(
        backend: Any, table_name: str, attributes: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        table = backend.tables.get(table_name)
        if table is not None and settings().stale_ms and table.hash_key_attr in attributes:
            names = [table.hash_key_attr, table.range_key_attr]
            hash_key, range_key = backend.get_keys_value(table, attributes)
            found = table.get_item(hash_key, range_key)
            before = found.to_json()["Attributes"] if found is not None else None
            HISTORY.record((table.name, _key_json(names, before or attributes)), before)
        return write(backend, table_name, attributes, *args, **kwargs)

    return recording


def install() -> None:
    """Patch this process's moto (once is enough)."""
    for path, throttled in THROTTLED.items():
        module, _, name = path.rpartition(".")
        handler = getattr(importlib.import_module(module), name)
        if not getattr(handler.call_action, "chaotic", False):
            is_dynamodb = handler is DynamoHandler
            handler.call_action = _chaotic(handler.call_action, throttled, is_dynamodb)
    if not getattr(DynamoDBBackend.put_item, "records", False):
        for write in ("put_item", "update_item", "delete_item"):
            recording = _recording(getattr(DynamoDBBackend, write))
            recording.records = True  # type: ignore[attr-defined]
            setattr(DynamoDBBackend, write, recording)
