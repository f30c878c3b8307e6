"""DynamoDB Streams event sources: each mapping of the template whose source is a table's
stream is polled as Lambda polls it, one batch per shard at a time, in order.

What Lambda does and this does (the DynamoDB event source mapping's parameters): records from
``StartingPosition``, batches of up to ``BatchSize`` (default 100); a record that matches none
of ``FilterCriteria``'s patterns is skipped; a batch that succeeds moves the checkpoint past it;
with ``ReportBatchItemFailures`` the checkpoint moves to the lowest failed ``SequenceNumber``
reported (an empty or unknown one fails the whole batch); a failed batch is retried, and after
``MaximumRetryAttempts`` retries (default -1: until the record is ``MaximumRecordAgeInSeconds``
old) it is discarded, and a record of it sent to the ``OnFailure`` destination (an SQS queue).
Not modelled, refused when the template asks for them: ``BisectBatchOnFunctionError``,
``ParallelizationFactor`` > 1 and tumbling windows.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from moto.events.models import EventPattern

from local.lambdas import Invocable, described
from local.outbox import Outbox
from local.template import Resolver, Template

log = logging.getLogger("local.streams")

NOT_MODELLED = ("BisectBatchOnFunctionError", "TumblingWindowInSeconds")
IMAGES = ("Keys", "NewImage", "OldImage")


@dataclass
class StreamMapping:
    """One event source mapping on a table's stream, as the template declares it."""

    stream_arn: str
    function: Invocable
    function_arn: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    report_failures: bool = False
    max_retries: int = -1  # -1: until the record is too old
    max_record_age_seconds: int = -1
    on_failure_queue_arn: str | None = None
    patterns: list[EventPattern] = field(default_factory=list)

    def wanted(self, record: dict[str, Any]) -> bool:
        return not self.patterns or any(p.matches_event(cast(Any, record)) for p in self.patterns)


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A stream record as Lambda hands it to a function: times in epoch seconds, binary values
    base64-encoded (as in Lambda's JSON event; boto3 gives bytes), the region and the stream's
    ARN (moto's own records say us-east-1 whatever the region)."""
    change = record["dynamodb"]
    images = {name: _json_values(change[name]) for name in IMAGES if name in change}
    return {
        **record,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
        "dynamodb": {
            **change,
            **images,
            "ApproximateCreationDateTime": int(change["ApproximateCreationDateTime"].timestamp()),
        },
    }


def _json_values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in values.items()}


def _json_value(value: dict[str, Any]) -> dict[str, Any]:
    """One attribute value as Lambda's JSON has it: ``B`` and ``BS`` in base64."""
    ((kind, inner),) = value.items()
    match kind:
        case "B":
            return {kind: base64.b64encode(inner).decode()}
        case "BS":
            return {kind: [base64.b64encode(b).decode() for b in inner]}
        case "M":
            return {kind: _json_values(inner)}
        case "L":
            return {kind: [_json_value(v) for v in inner]}
    return value


def _sequence(record: dict[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat()


class StreamPoller(threading.Thread):
    def __init__(
        self,
        mapping: StreamMapping,
        streams: Any,
        sqs: Any,
        outbox: Outbox,
        region: str,
        wait_seconds: float = 0.5,
        retry_pause_seconds: float = 1.0,
    ) -> None:
        super().__init__(daemon=True, name=f"stream-{mapping.function.logical_id}")
        self.mapping, self.streams, self.sqs = mapping, streams, sqs
        self.outbox, self.region, self.wait_seconds = outbox, region, wait_seconds
        self.retry_pause_seconds = retry_pause_seconds
        self.stopping = threading.Event()
        self.nudged = threading.Event()  # wakes an idle poller at once (``settle``)
        self.invocations = 0
        self._polls = self._quiet_poll = 0  # polls begun; the last that found no record
        self._saw_records = False
        self._progress = threading.Condition()
        self._iterators: dict[str, str] = {}  # shard id -> where its next batch starts
        self._attempts: dict[str, int] = {}  # shard id -> failed tries of the batch at hand
        self._closed: set[str] = set()  # shards read to their end
        self._known = self._shards()  # described again only when a shard closes
        for shard in self._known:  # LATEST means: from when the mapping was created
            self._iterators[shard] = self._iterator(shard, mapping.starting_position)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                if not self.poll_once():
                    self.nudged.wait(self.wait_seconds)
                    self.nudged.clear()
            except Exception:
                log.exception("polling %s failed", self.mapping.stream_arn)
                self.stopping.wait(self.retry_pause_seconds)

    def _shards(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self.mapping.stream_arn)
        return [shard["ShardId"] for shard in description["StreamDescription"]["Shards"]]

    def _iterator(self, shard: str, kind: str, sequence_number: str | None = None) -> str:
        at = {"SequenceNumber": sequence_number} if sequence_number else {}
        return str(
            self.streams.get_shard_iterator(
                StreamArn=self.mapping.stream_arn, ShardId=shard, ShardIteratorType=kind, **at
            )["ShardIterator"]
        )

    def poll_once(self) -> int:
        """One batch from each shard that has records; how many records were settled (done,
        skipped by the filters or discarded)."""
        with self._progress:
            self._polls += 1
            number, self._saw_records = self._polls, False
        settled = 0
        for shard in self._known:
            if shard not in self._iterators:  # a new shard: from its start
                self._iterators[shard] = self._iterator(shard, "TRIM_HORIZON")
            settled += self._batch(shard)
        with self._progress:
            if not self._saw_records:
                self._quiet_poll = number
                self._progress.notify_all()
        return settled

    def settle(self, deadline: float) -> bool:
        """Wait until a poll begun after this call finds no record (False if ``deadline``, a
        ``time.monotonic()``, comes first)."""
        with self._progress:
            wanted = self._polls + 1
            self.nudged.set()
            return self._progress.wait_for(
                lambda: self._quiet_poll >= wanted, timeout=max(0.0, deadline - time.monotonic())
            )

    def _next(self, shard: str, answer: dict[str, Any]) -> None:
        """Where the shard's next batch starts. A shard with no next iterator is closed, and
        the stream is described again for the shards that follow it ("GetRecords",
        NextShardIterator: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html)."""
        following = answer.get("NextShardIterator")
        if following:
            self._iterators[shard] = following
            return
        self._closed.add(shard)
        self._iterators.pop(shard, None)
        self._known = [s for s in self._shards() if s not in self._closed]

    def _batch(self, shard: str) -> int:
        answer = self.streams.get_records(
            ShardIterator=self._iterators[shard], Limit=self.mapping.batch_size
        )
        records = answer["Records"]
        if not records:
            if not answer.get("NextShardIterator"):
                self._next(shard, answer)
            return 0
        self._saw_records = True
        shaped = [lambda_record(r, self.mapping.stream_arn, self.region) for r in records]
        wanted = [r for r in shaped if self.mapping.wanted(r)]
        failed_at = self._invoke(wanted) if wanted else None
        if failed_at is None or self._exhausted(shard, wanted):
            if failed_at is not None:
                self._discard(shard, [r for r in wanted if _sequence(r) >= int(failed_at)])
            self._next(shard, answer)
            self._attempts.pop(shard, None)
            return len(records)
        done = [r for r in records if _sequence(r) < int(failed_at)]
        if done:  # the checkpoint moves to the first failed record; its retries start afresh
            self._attempts.pop(shard, None)
        else:
            self._attempts[shard] = self._attempts.get(shard, 0) + 1
        self._iterators[shard] = self._iterator(shard, "AT_SEQUENCE_NUMBER", failed_at)
        self.stopping.wait(self.retry_pause_seconds)
        return len(done)

    def _invoke(self, records: list[dict[str, Any]]) -> str | None:
        """None if the batch succeeded, else the sequence number to retry from."""
        first = records[0]["dynamodb"]["SequenceNumber"]
        self.invocations += 1
        try:
            result = self.mapping.function.invoke({"Records": records})
        except Exception as exc:
            error_type, _ = described(exc)
            log.error("function %s failed on a batch: %s", self.mapping.function_arn, error_type)
            return str(first)
        finally:
            self.outbox.observe()
        if not self.mapping.report_failures or not isinstance(result, dict):
            return None
        reported = [f.get("itemIdentifier") for f in result.get("batchItemFailures") or []]
        known = {r["dynamodb"]["SequenceNumber"] for r in records}
        if any(identifier not in known for identifier in reported):
            return str(first)  # an empty or unknown identifier fails the whole batch
        return min(reported, key=int) if reported else None

    def _exhausted(self, shard: str, records: list[dict[str, Any]]) -> bool:
        retries = self._attempts.get(shard, 0)
        if 0 <= self.mapping.max_retries <= retries:
            return True
        created: int = records[0]["dynamodb"]["ApproximateCreationDateTime"]
        return 0 <= self.mapping.max_record_age_seconds < datetime.now(UTC).timestamp() - created

    def _discard(self, shard: str, records: list[dict[str, Any]]) -> None:
        """Lambda's record of a discarded batch, to the OnFailure destination if any."""
        log.error("discarding a batch of %s after its retries", self.mapping.function_arn)
        if self.mapping.on_failure_queue_arn is None:
            return
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        document = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.mapping.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self._attempts.get(shard, 0) + 1,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first["ApproximateCreationDateTime"]),
                "approximateArrivalOfLastRecord": _iso(last["ApproximateCreationDateTime"]),
                "batchSize": len(records),
                "streamArn": self.mapping.stream_arn,
            },
        }
        queue_name = self.mapping.on_failure_queue_arn.rsplit(":", 1)[1]
        queue_url = self.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        self.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(document))


def stream_mappings(
    template: Template, resolver: Resolver, functions: Mapping[str, Invocable]
) -> list[StreamMapping]:
    """The template's event source mappings on DynamoDB streams."""
    mappings = []
    for logical_id, props in template.of_type("AWS::Lambda::EventSourceMapping"):
        table_id, attribute = props["EventSourceArn"]["Fn::GetAtt"]
        if attribute != "StreamArn":
            continue
        asked = [p for p in NOT_MODELLED if props.get(p)]
        if props.get("ParallelizationFactor", 1) > 1:
            asked.append("ParallelizationFactor")
        if asked:
            raise ValueError(f"{logical_id}: not modelled locally: {asked}")
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        function_id = props["FunctionName"]["Ref"]
        mappings.append(
            StreamMapping(
                stream_arn=resolver.attributes[(table_id, "StreamArn")],
                function=functions[function_id],
                function_arn=resolver.attributes[(function_id, "Arn")],
                batch_size=props.get("BatchSize", 100),
                starting_position=props["StartingPosition"],
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                max_retries=props.get("MaximumRetryAttempts", -1),
                max_record_age_seconds=props.get("MaximumRecordAgeInSeconds", -1),
                on_failure_queue_arn=resolver.resolve(destination) if destination else None,
                patterns=[
                    EventPattern.load(f["Pattern"])
                    for f in props.get("FilterCriteria", {}).get("Filters", [])
                ],
            )
        )
    return mappings
