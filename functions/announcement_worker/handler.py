"""Announcement fan-out worker (P3.3): SQS batches, partial-batch failures, DLQ after retries.

Each message names an announcement and a shard of active customers, never an address.
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
    sent = services.announcements().deliver(message.announcement_id, message.shard)
    logger.info("announcement delivered", extra={"shard": message.shard, "sent": sent})


ENVIRONMENT = env.MESSAGING
lambda_handler = sqs_worker(deliver, ShardRecord, ENVIRONMENT)
