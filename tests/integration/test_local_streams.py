"""The local runtime polls DynamoDB Streams event sources as Lambda does, driven by the
template's event source mapping: batches in order, filters, partial batch failures, retries,
then the batch's record to the OnFailure queue (``local/streams.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.lambdas import InFlight
from local.outbox import Outbox
from local.provision import Provisioner
from local.streams import StreamPoller, stream_mappings
from local.template import Resolver, Template
from tests.support.deployed import streams_client
from tests.support.slow import slow_pool

REGION = "ap-southeast-1"
OUTBOX_KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]


def template(**mapping: Any) -> Template:
    """A table with a stream, a queue for discarded batches, a function reading the stream."""
    return Template(
        body={
            "Resources": {
                "Outbox": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "KeySchema": OUTBOX_KEY,
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                    },
                },
                "Discarded": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "Deliver": {"Type": "AWS::Lambda::Function", "Properties": {}},
                "DeliverOutbox": {
                    "Type": "AWS::Lambda::EventSourceMapping",
                    "Properties": {
                        "EventSourceArn": {"Fn::GetAtt": ["Outbox", "StreamArn"]},
                        "FunctionName": {"Ref": "Deliver"},
                        "StartingPosition": "TRIM_HORIZON",
                        **mapping,
                    },
                },
            }
        },
        assembly_dir=Path("."),
    )


@dataclass
class Deliver:
    """A function that reports the records of the ``failing`` keys failed, or crashes."""

    logical_id: str = "Deliver"
    in_flight: InFlight = field(default_factory=InFlight)
    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    crash: bool = False

    def invoke(self, event: dict[str, Any]) -> Any:
        self.batches.append(event["Records"])
        if self.crash:
            raise RuntimeError("down")
        failed = [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
            for r in event["Records"]
            if r["dynamodb"]["Keys"]["pk"]["S"] in self.failing
        ]
        return {"batchItemFailures": failed}

    def module(self) -> Any:
        raise NotImplementedError

    def seen(self) -> list[list[str]]:
        return [[r["dynamodb"]["Keys"]["pk"]["S"] for r in batch] for batch in self.batches]


@dataclass
class World:
    resolver: Resolver
    deliver: Deliver
    poller: StreamPoller

    def put(self, key: str, **attributes: str) -> None:
        item = {"pk": {"S": key}, **{k: {"S": v} for k, v in attributes.items()}}
        boto3.client("dynamodb").put_item(TableName=self.resolver.refs["Outbox"], Item=item)

    def drain(self, polls: int = 10) -> None:
        for _ in range(polls):
            self.poller.poll_once()

    def discarded(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.resolver.refs["Discarded"], MaxNumberOfMessages=10
        ).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def world(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        stack = template(**request.param)
        resolver = Provisioner(stack, endpoint_url=None).run()
        deliver = Deliver()
        (mapping,) = stream_mappings(stack, resolver, {"Deliver": deliver})
        poller = StreamPoller(
            mapping,
            streams_client(),
            boto3.client("sqs"),
            Outbox(REGION),
            REGION,
            retry_pause_seconds=0,
        )
        yield World(resolver, deliver, poller)


@pytest.mark.parametrize(
    "world",
    [{"BatchSize": 2, "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}}],
    indirect=True,
)
def test_records_reach_the_function_in_order_in_batches_as_lambda_shapes_them(
    world: World,
) -> None:
    for key in ("a", "b", "c"):
        world.put(key)
    world.put("a", changed="yes")  # a MODIFY: not an INSERT, filtered out
    world.drain()
    assert world.deliver.seen() == [["a", "b"], ["c"]]
    record = world.deliver.batches[0][0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventName"] == "INSERT"
    assert record["awsRegion"] == REGION
    assert record["eventSourceARN"] == world.resolver.attributes[("Outbox", "StreamArn")]
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)


@pytest.mark.parametrize(
    "world",
    [{"FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}}],
    indirect=True,
)
def test_binary_values_reach_the_function_in_base64_as_in_lambdas_json_event(
    world: World,
) -> None:
    item: dict[str, Any] = {
        "pk": {"S": "sealed"},
        "wrapped": {"B": b"\x00\xffkey"},
        "nested": {"M": {"keys": {"L": [{"BS": [b"\x01"]}]}}},
    }
    boto3.client("dynamodb").put_item(TableName=world.resolver.refs["Outbox"], Item=item)
    world.drain()
    ((record,),) = world.deliver.batches
    image = record["dynamodb"]["NewImage"]
    assert image["wrapped"] == {"B": "AP9rZXk="}
    assert image["nested"] == {"M": {"keys": {"L": [{"BS": ["AQ=="]}]}}}
    json.dumps(record)  # as a function's event, it must be JSON


@pytest.mark.parametrize(
    "world", [{"BatchSize": 3, "FunctionResponseTypes": ["ReportBatchItemFailures"]}], indirect=True
)
def test_a_reported_failure_is_retried_from_that_record_and_not_before(world: World) -> None:
    world.deliver.failing = {"b"}
    for key in ("a", "b", "c"):
        world.put(key)
    world.poller.poll_once()
    world.deliver.failing.clear()
    world.drain()
    assert world.deliver.seen() == [["a", "b", "c"], ["b", "c"]]


@pytest.mark.parametrize(
    "world",
    [
        {
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": ["Discarded", "Arn"]}}
            },
        }
    ],
    indirect=True,
)
def test_a_failing_batch_is_retried_then_discarded_to_the_on_failure_queue(world: World) -> None:
    world.deliver.crash = True
    world.put("a")
    world.drain()
    assert world.deliver.seen() == [["a"]] * 3  # the first try and two retries
    (discarded,) = world.discarded()
    info = discarded["DDBStreamBatchInfo"]
    assert discarded["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert (info["batchSize"], info["streamArn"]) == (
        1,
        world.resolver.attributes[("Outbox", "StreamArn")],
    )
    world.deliver.crash = False
    world.put("b")
    world.drain()
    assert world.deliver.seen()[-1] == ["b"]  # the stream moved on


@pytest.mark.parametrize(
    "world",
    [
        {
            "MaximumRetryAttempts": 1,
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": ["Discarded", "Arn"]}}
            },
        }
    ],
    indirect=True,
)
def test_a_batch_whose_invocation_times_out_is_retried_then_discarded(
    world: World, tmp_path: Path
) -> None:
    world.poller.mapping.function = slow = slow_pool(tmp_path)
    try:
        world.put("a")
        world.drain(polls=3)
    finally:
        slow.stop()
    assert world.poller.invocations == 2  # the first try and one retry, each ended at 1 s
    (discarded,) = world.discarded()
    assert discarded["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_a_mapping_asking_for_what_is_not_modelled_is_refused() -> None:
    stack = template(BisectBatchOnFunctionError=True)
    resolver = Resolver(REGION)
    resolver.set("Outbox", "t", StreamArn="arn")
    resolver.set("Deliver", "Deliver", Arn="arn:function")
    with pytest.raises(ValueError, match="BisectBatchOnFunctionError"):
        stream_mappings(stack, resolver, {"Deliver": Deliver()})
