"""The entry point shared by the SQS and DynamoDB Streams workers: Powertools' batch processing,
so that only the records that failed are retried (``ReportBatchItemFailures``).

An SQS record is parsed with the worker's model (an ``SqsRecordModel`` whose ``body`` is
``Json[TheMessage]``, TheMessage being the model its sender sent): a record that does not parse
is a failed record, and the others of its batch are still handled. A stream's record is given as
Powertools' ``DynamoDBRecord`` data class, without pydantic (the delivery worker needs none, and
its cold start would pay for it); a stream's failed record stops its shard there: Lambda retries
from it, and the records after it wait."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt.platform.settings import Variable, require
from ongpt.platform.telemetry import logger, traced

if TYPE_CHECKING:  # the SQS workers import it with their record models
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel

BatchHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]
Record = TypeVar("Record", bound="SqsRecordModel")


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
    handle: Callable[[DynamoDBRecord], None], environment: Sequence[Variable[object]]
) -> BatchHandler:
    """``sqs_worker`` for a DynamoDB stream's records, each given as Powertools' data class."""
    return _batch_worker(EventType.DynamoDBStreams, handle, None, environment)


def _batch_worker(
    event_type: EventType,
    handle: Callable[[Any], None],
    record: type[Any] | None,
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
