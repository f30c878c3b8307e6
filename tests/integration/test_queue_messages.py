"""Queue messages are models on both ends: what a sender puts on a queue parses as its worker's
record model, and a record that does not parse fails alone (partial batch failure) while the
others of its batch are delivered."""

from __future__ import annotations

import importlib
import json
from typing import Any

import boto3
import pytest
from pydantic import BaseModel

from local.workers import sqs_event as lambda_event
from ongpt.customers.store import ACTIVE_SHARDS
from ongpt.platform import settings as env
from tests.support.deployed import Deployed
from tests.support.events import sqs_event
from tests.support.jobs import work
from tests.support.journeys import announce, e164, registered, registration, start


def bodies(aws: Deployed, worker: str, model: str, records: list[dict[str, Any]]) -> list[Any]:
    """The message of each record, parsed with the record ``model`` of the ``worker``."""
    with aws.environment_of(worker):  # a handler checks its environment as it is imported
        module = importlib.import_module(f"functions.{worker}.handler")
    record_model: type[BaseModel] = getattr(module, model)
    return [record_model.model_validate(record).body for record in records]  # type: ignore[attr-defined]


def queued(aws: Deployed, function: str, variable: env.Variable[str]) -> list[dict[str, Any]]:
    """The messages on the queue ``function`` sends to, taken off it, as Lambda's SQS poller
    gives them to the worker."""
    url = aws.function(function).environment[variable.name]
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    arn = "arn:aws:sqs:ap-southeast-1:123456789012:q"
    records: list[dict[str, Any]] = lambda_event(
        [dict[str, Any](m) for m in messages], arn, "ap-southeast-1"
    )["Records"]
    return records


@pytest.mark.clause("P1.2")
def test_a_sign_up_queues_a_message_its_codes_worker_parses(aws: Deployed) -> None:
    status, accepted = start(aws, registration(), deliver=False)
    assert status == 202
    records = queued(aws, "registration", env.REGISTRATION_QUEUE_URL)
    [message] = bodies(aws, "registration_codes", "CodesRecord", records)
    assert message.model_dump() == {
        "registration_id": accepted["registration_id"],
        "round": 0,
        "notices": True,
    }


@pytest.mark.clause("P3.3")
def test_an_announcement_queues_messages_its_worker_parses(aws: Deployed) -> None:
    announcement_id = announce(aws, "Bảo trì")
    records = []
    while batch := queued(aws, "announcements", env.ANNOUNCEMENT_QUEUE_URL):
        records += batch
    messages = bodies(aws, "announcement_worker", "PageRecord", records)
    assert sorted((m.announcement_id, m.shard) for m in messages) == [
        (announcement_id, shard) for shard in range(ACTIVE_SHARDS)
    ]


@pytest.mark.clause("P1.2")
def test_a_codes_message_of_the_wrong_shape_fails_alone(aws: Deployed) -> None:
    good, bad = registration(), registration()
    _, good_accepted = start(aws, good, deliver=False)
    _, bad_accepted = start(aws, bad, deliver=False)
    queued(aws, "registration", env.REGISTRATION_QUEUE_URL)  # delivered here instead
    good_message = {
        "registration_id": good_accepted["registration_id"],
        "round": 0,
        "notices": True,
    }
    malformed = [
        "not json",
        json.dumps({"registration_id": bad_accepted["registration_id"], "round": 0}),
        # Coerced, these would send codes: nothing in a message is coerced.
        json.dumps(
            {"registration_id": bad_accepted["registration_id"], "round": "0", "notices": 1}
        ),
        json.dumps(
            {"registration_id": bad_accepted["registration_id"], "round": -1, "notices": True}
        ),
    ]
    answer = work(aws, sqs_event(json.dumps(good_message), *malformed), "registration_codes")
    assert answer["batchItemFailures"] == [
        {"itemIdentifier": f"m{i}"} for i in range(1, len(malformed) + 1)
    ]
    assert aws.messages_to(good["email"])
    assert aws.messages_to(e164(good["phone"]))
    assert not aws.messages_to(bad["email"])
    assert not aws.messages_to(e164(bad["phone"]))


@pytest.mark.clause("P3.3")
def test_an_announcement_message_of_the_wrong_shape_fails_alone(aws: Deployed) -> None:
    body, _ = registered(aws)
    announcement_id = announce(aws, "Sửa chữa")
    while queued(aws, "announcements", env.ANNOUNCEMENT_QUEUE_URL):
        pass  # delivered here instead
    good = [
        json.dumps({"announcement_id": announcement_id, "shard": s}) for s in range(ACTIVE_SHARDS)
    ]
    malformed = [
        json.dumps({"announcement_id": announcement_id}),
        json.dumps({"announcement_id": announcement_id, "shard": "0"}),
        json.dumps({"announcement_id": 7, "shard": 0}),
    ]
    answer = work(aws, sqs_event(*malformed, *good))
    assert answer["batchItemFailures"] == [{"itemIdentifier": f"m{i}"} for i in range(3)]
    aws.deliver_notices()
    got = [m for m in aws.messages_to(body["email"]) if "Sửa chữa" in (m["subject"] or "")]
    assert len(got) == 1
