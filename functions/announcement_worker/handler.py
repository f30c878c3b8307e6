"""Announcement fan-out worker (P3.3): SQS batches, partial-batch failures, DLQ after retries."""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt.errors import NotImplementedYet
from ongpt.telemetry import logger

processor = BatchProcessor(event_type=EventType.SQS)


def deliver(_record: SQSRecord) -> None:
    raise NotImplementedYet("Announcement delivery is not available yet.")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=deliver, processor=processor, context=context
    )
