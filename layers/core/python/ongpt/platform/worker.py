"""The entry point shared by the SQS workers: Powertools' batch processing, so that only the
records that failed return to the queue (``ReportBatchItemFailures``).

Each record is parsed with the worker's model (an ``SqsRecordModel`` whose ``body`` is
``Json[TheMessage]``, TheMessage being the model its sender sent): a record that does not parse
is a failed record, and the others of its batch are still handled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt.platform.settings import Variable, require
from ongpt.platform.telemetry import logger, traced

SqsHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]
Record = TypeVar("Record", bound=SqsRecordModel)


def sqs_worker(
    handle: Callable[[Record], None],
    record: type[Record],
    environment: Sequence[Variable[object]],
) -> SqsHandler:
    """The Lambda handler that gives each record of a batch, parsed as ``record``, to
    ``handle``. Fails at once (the function's initialisation) if ``environment`` is
    incomplete."""
    require(environment)
    processor = BatchProcessor(event_type=EventType.SQS, model=record)

    @logger.inject_lambda_context
    @traced
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=handle, processor=processor, context=context
        )

    return cast(SqsHandler, lambda_handler)
