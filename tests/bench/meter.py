"""What one function invocation costs: its AWS calls by service and operation (counted as
``aws_calls.CallCounter`` counts them, from botocore's ``before-call`` event), the DynamoDB items
it read (``ScannedCount``: what a query or scan read before its filter, not the ``Count`` it
returned) and wrote (each put, update and delete, in a batch or a transaction too), the bytes
AWS returned, and the CPU time this process spent outside the calls (moto serves them here, in
the same process: its time is not the function's), in every thread.

The estimated duration on AWS is the time spent waiting for the calls plus that CPU time as a
function of its memory gets it: Lambda allocates CPU in proportion to memory, one vCPU at
1,769 MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), so 512 MB
gets under a third of the core this process runs on. The wait is each call's typical latency
(``LATENCY_MS``), one call after another; but the calls of work done at once
(``ongpt.platform.concurrency.each``, which the meter takes over while it measures) are waited
for as its ``WORKERS`` threads share them: each item's work, in the items' order, goes to the
thread free first. The wait depends only on the calls made, not on this machine: it is what the
scale tier compares across sizes."""

from __future__ import annotations

import gc
import heapq
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import pytest

from ongpt.platform import concurrency
from tests.bench.aws_calls import CallCounter

T = TypeVar("T")
R = TypeVar("R")

# The typical latency of one call, in milliseconds: by service, or by service and operation where
# that differs. Where AWS documents no figure, an assumption, said so.
LATENCY_MS: dict[str, float] = {
    # "single-digit millisecond performance at any scale", its upper end:
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html
    "dynamodb": 10,
    # a transaction reads or writes each item twice, to prepare it and to commit it:
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
    "dynamodb.TransactWriteItems": 20,
    "dynamodb.TransactGetItems": 20,
    # "cryptographic operations at latency and throughput levels suitable for use by other
    # services", no figure: assumed twice DynamoDB's
    # (https://docs.aws.amazon.com/kms/latest/cryptographic-details/design-goals.html)
    "kms": 20,
    # small requests' median latencies are "in the range of tens of milliseconds": its upper end
    # (https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/timeouts-and-retries-for-latency-sensitive-applications.html)
    "s3": 100,
    # "Typical latencies for SendMessage, ReceiveMessage, and DeleteMessage API requests are in
    # the tens or low hundreds of milliseconds" (https://aws.amazon.com/sqs/faqs/)
    "sqs": 100,
    # no figure documented for SendEmail, Publish or the Cognito admin calls: assumed SQS's
    # (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html,
    # https://docs.aws.amazon.com/sns/latest/api/API_Publish.html,
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDeleteUser.html)
    "sesv2": 100,
    "sns": 100,
    "cognito-identity-provider": 100,
}
ONE_VCPU_MB = 1769  # Lambda's memory with one vCPU (the memory page above)
READS = {"GetItem", "BatchGetItem", "TransactGetItems"}  # items read: those returned
SCANS = {"Query", "Scan"}  # items read: ScannedCount


def latency_ms(call: str) -> float:
    """The typical latency of ``call`` (``service.Operation``)."""
    return LATENCY_MS.get(call, LATENCY_MS[call.split(".", 1)[0]])


def waited_at_once(tasks: Sequence[float], workers: int = concurrency.WORKERS) -> float:
    """How long work done at once is waited for, each item's taking ``tasks[i]``: each item,
    in order, to the first of ``workers`` threads to be free; until the last is done."""
    free = [0.0] * min(workers, len(tasks))
    for task in tasks:
        heapq.heappush(free, heapq.heappop(free) + task)
    return max(free, default=0.0)


def cpu_share(memory_mb: int) -> float:
    """The share of a vCPU Lambda gives a function of ``memory_mb`` (at most one: a
    single-threaded handler uses one)."""
    return min(1.0, memory_mb / ONE_VCPU_MB)


@dataclass(frozen=True)
class Figures:
    """One invocation's figures."""

    calls: Counter[str]
    read: int
    written: int
    returned: int  # bytes of the answers' bodies
    waited_seconds: float  # for the calls, by their typical latencies (see the module)
    cpu_seconds: float  # here, outside the calls
    memory_mb: int

    @property
    def call_count(self) -> int:
        return self.calls.total()

    @property
    def estimated_seconds(self) -> float:
        return self.waited_seconds + self.cpu_seconds / cpu_share(self.memory_mb)


@dataclass
class _Tally:
    read: int = 0
    written: int = 0
    returned: int = 0
    one_by_one_ms: float = 0.0  # the latencies of the calls made one after another
    at_once: list[list[float]] = field(default_factory=list)  # of work done at once, by item
    in_calls: float = 0.0  # CPU time of a call's thread between its start and its answer
    started: dict[int, float] = field(default_factory=dict)  # by the call's context

    @property
    def waited_seconds(self) -> float:
        return (self.one_by_one_ms + sum(map(waited_at_once, self.at_once))) / 1000


class Meter(CallCounter):
    """Counts every AWS call this process makes through clients made after it (it installs a new
    default session: make it before the functions' clients, or reset their warm state), and
    measures invocations with ``measuring``."""

    def __init__(self) -> None:
        self._before = boto3.DEFAULT_SESSION
        self._lock = threading.Lock()  # calls are made from several threads at once
        self._item = threading.local()  # ``at``: the item's wait, on the thread doing its work
        super().__init__()
        self._tally = _Tally()
        self.queries: list[dict[str, Any]] = []  # the DynamoDB queries of the last measure
        events = self.session.events
        events.register("before-parameter-build", self._parameters)
        events.register("before-call", self._started)
        events.register("after-call", self._answered)
        self._each = concurrency.each
        self._patch = pytest.MonkeyPatch()
        self._patch.setattr(concurrency, "each", self._at_once)

    def close(self) -> None:
        """Stop measuring; clients made from now on are made as before it."""
        events = self.session.events
        events.unregister("before-parameter-build", self._parameters)
        events.unregister("before-call", self._started)
        events.unregister("before-call", self._count)
        events.unregister("after-call", self._answered)
        self._patch.undo()
        boto3.DEFAULT_SESSION = self._before

    @property
    def session(self) -> boto3.Session:
        assert boto3.DEFAULT_SESSION is not None
        return boto3.DEFAULT_SESSION

    @contextmanager
    def measuring(self, memory_mb: int) -> Iterator[list[Figures]]:
        """The block's figures, appended to the list it gives when the block ends."""
        measured: list[Figures] = []
        self.take()
        self._tally, self.queries = _Tally(), []
        gc.freeze()  # the garbage collector passes over moto's tables no more: not the function's
        started = time.process_time()  # of every thread of the process
        try:
            yield measured
        finally:
            gc.unfreeze()
        spent = time.process_time() - started
        tally = self._tally
        measured.append(
            Figures(
                calls=self.take(),
                read=tally.read,
                written=tally.written,
                returned=tally.returned,
                waited_seconds=tally.waited_seconds,
                cpu_seconds=max(0.0, spent - tally.in_calls),
                memory_mb=memory_mb,
            )
        )

    def _at_once(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``concurrency.each``, each item's calls waited for as its own."""
        waits = [0.0] * len(items)
        with self._lock:
            self._tally.at_once.append(waits)

        def item(numbered: tuple[int, T]) -> R:
            number, value = numbered
            outer = getattr(self._item, "at", None)
            self._item.at = (waits, number)
            try:
                return work(value)
            finally:
                self._item.at = outer

        return self._each(item, list(enumerate(items)))

    def _count(self, event_name: str, **kwargs: Any) -> None:
        with self._lock:
            super()._count(event_name, **kwargs)

    def _parameters(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.service_model.service_name == "dynamodb":
            with self._lock:
                self._tally.written += written(model.name, params)
                if model.name == "Query":
                    self.queries.append(dict(params))

    def _started(self, event_name: str, context: dict[str, Any], **_: Any) -> None:
        waited = latency_ms(event_name.removeprefix("before-call."))
        at = getattr(self._item, "at", None)
        with self._lock:
            if at is None:
                self._tally.one_by_one_ms += waited
            else:
                waits, number = at
                waits[number] += waited
            self._tally.started[id(context)] = time.thread_time()

    def _answered(
        self,
        http_response: Any,
        parsed: dict[str, Any],
        model: Any,
        context: dict[str, Any],
        **_: Any,
    ) -> None:
        answered = time.thread_time()  # the call ran on this thread: moto's time, not others'
        with self._lock:
            tally = self._tally
            started = tally.started.pop(id(context), None)
            if started is not None:
                tally.in_calls += answered - started
            tally.returned += returned(http_response, model)
            if model.service_model.service_name == "dynamodb":
                tally.read += read(model.name, parsed)


def returned(http_response: Any, model: Any) -> int:
    """The bytes of an answer's body; of a streamed one (an S3 object, left to its reader), the
    length its headers give."""
    if model.has_streaming_output:
        return int(http_response.headers.get("content-length", 0))
    return len(http_response.content or b"")


def read(operation: str, answer: dict[str, Any]) -> int:
    """The items a DynamoDB call read: a query's or scan's ``ScannedCount``, the items a get
    returned."""
    if operation in SCANS:
        return int(answer.get("ScannedCount", 0))
    if operation == "GetItem":
        return int("Item" in answer)
    if operation == "BatchGetItem":
        return sum(len(items) for items in answer.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for response in answer.get("Responses", []) if "Item" in response)
    return 0


def written(operation: str, params: dict[str, Any]) -> int:
    """The items a DynamoDB call writes (asks to write: a failed condition is billed too)."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params.get("RequestItems", {}).values())
    if operation == "TransactWriteItems":
        return sum(1 for item in params.get("TransactItems", []) if "ConditionCheck" not in item)
    return 0
