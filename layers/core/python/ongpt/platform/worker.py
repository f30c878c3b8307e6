"""The entry point shared by the SQS workers: Powertools' batch processing, so that only the
records that failed return to the queue (``ReportBatchItemFailures``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt.platform.settings import Variable, require
from ongpt.platform.telemetry import logger, traced

SqsHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]


def sqs_worker(
    handle: Callable[[SQSRecord], None], environment: Sequence[Variable[object]]
) -> SqsHandler:
    """The Lambda handler that gives each record of a batch to ``handle``. Fails at once (the
    function's initialisation) if ``environment`` is incomplete."""
    require(environment)
    processor = BatchProcessor(event_type=EventType.SQS)

    @logger.inject_lambda_context
    @traced
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=handle, processor=processor, context=context
        )

    return cast(SqsHandler, lambda_handler)
