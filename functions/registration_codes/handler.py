"""Codes for new registrations (P1.2), from SQS: for each message, a code to each address of the
registration, or to an address that already has an account a notice to its owner. Doing this
here keeps the sign-up request to three AWS calls and makes its answer take the same time
whether or not an address is taken.

Each message names a registration and a round (0 at sign-up, one more per resend), never an
address; each channel's code is sent once per round, also when the batch is retried.
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
    services.registrations().deliver_codes(
        str(message["registration_id"]), int(message["round"]), bool(message["notices"])
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=deliver, processor=processor, context=context
    )
