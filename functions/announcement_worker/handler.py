"""Announcement fan-out worker (P3.3): SQS batches, partial-batch failures, DLQ after retries.

Each message names an announcement and a shard of active customers, never an address.
"""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.telemetry import logger

processor = BatchProcessor(event_type=EventType.SQS)


def deliver(record: SQSRecord) -> None:
    message = json.loads(record.body)
    sent = services.announcements().deliver(str(message["announcement_id"]), int(message["shard"]))
    logger.info("announcement delivered", extra={"shard": message["shard"], "sent": sent})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=deliver, processor=processor, context=context
    )
