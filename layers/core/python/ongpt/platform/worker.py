"""The entry point shared by the SQS and DynamoDB Streams workers: Powertools' batch processing,
so that only the records that failed are retried (``ReportBatchItemFailures``).

Each record is parsed with the worker's model (an ``SqsRecordModel`` whose ``body`` is
``Json[TheMessage]``, TheMessage being the model its sender sent; a
``DynamoDBStreamRecordModel``): a record that does not parse is a failed record, and the others
of its batch are still handled. A stream's failed record stops its shard there: Lambda retries
from it, and the records after it wait."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamRecordModel,
    SqsRecordModel,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt.platform.settings import Variable, require
from ongpt.platform.telemetry import logger, traced

BatchHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]
Record = TypeVar("Record", bound=SqsRecordModel)
StreamRecord = TypeVar("StreamRecord", bound=DynamoDBStreamRecordModel)


def sqs_worker(
    handle: Callable[[Record], None],
    record: type[Record],
    environment: Sequence[Variable[object]],
) -> BatchHandler:
    """The Lambda handler that gives each record of a batch, parsed as ``record``, to
    ``handle``. Fails at once (the function's initialisation) if ``environment`` is
    incomplete."""
    return _batch_worker(EventType.SQS, handle, record, environment)


def stream_worker(
    handle: Callable[[StreamRecord], None],
    record: type[StreamRecord],
    environment: Sequence[Variable[object]],
) -> BatchHandler:
    """``sqs_worker`` for a DynamoDB stream's records."""
    return _batch_worker(EventType.DynamoDBStreams, handle, record, environment)


def _batch_worker(
    event_type: EventType,
    handle: Callable[[Any], None],
    record: type[Any],
    environment: Sequence[Variable[object]],
) -> BatchHandler:
    require(environment)
    processor = BatchProcessor(event_type=event_type, model=record)

    @logger.inject_lambda_context
    @traced
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=handle, processor=processor, context=context
        )

    return cast(BatchHandler, lambda_handler)
