"""Announcement fan-out worker (P3.3): SQS batches, partial-batch failures, DLQ after retries.

Each message names an announcement and a shard of active customers, never an address; each
customer's notice goes into the outbox, which the delivery worker sends.
"""

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json

from ongpt import services
from ongpt.announcements.models import ShardMessage
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger
from ongpt.platform.worker import sqs_worker


class ShardRecord(SqsRecordModel):
    body: Json[ShardMessage]  # the JSON string, parsed


def deliver(record: ShardRecord) -> None:
    message = record.body
    enqueued = services.announcements().deliver(message.announcement_id, message.shard)
    logger.info("announcement enqueued", extra={"shard": message.shard, "enqueued": enqueued})


ENVIRONMENT = (*env.NOTICES,)
lambda_handler = sqs_worker(deliver, ShardRecord, ENVIRONMENT)
