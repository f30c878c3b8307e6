"""Queue messages, typed on both ends: a sender sends a model's JSON, and its worker parses the
body with the same model (Powertools batch ``model=``), so a malformed message is a failed
record before any work is done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from ongpt.platform.errors import DependencyUnavailable

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

BATCH_LIMIT = 10  # entries in one SendMessageBatch


class Message(BaseModel):
    """A queue message's body: JSON types as sent, nothing coerced. Unknown fields are ignored,
    so a sender may add one before its workers read it."""

    model_config = ConfigDict(strict=True, frozen=True)


def sender(sqs: SQSClient, queue_url: str) -> Callable[[Message], None]:
    """Sends one message to the queue."""

    def send(message: Message) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=message.model_dump_json())

    return send


def batch_sender(sqs: SQSClient, queue_url: str) -> Callable[[Sequence[Message]], None]:
    """Sends messages to the queue, ten to a call; any refused is a ``DependencyUnavailable``."""

    def send(messages: Sequence[Message]) -> None:
        for start in range(0, len(messages), BATCH_LIMIT):
            batch = messages[start : start + BATCH_LIMIT]
            answer = sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "MessageBody": m.model_dump_json()} for i, m in enumerate(batch)
                ],
            )
            if answer.get("Failed"):
                raise DependencyUnavailable("The messages could not be queued in full.")

    return send
