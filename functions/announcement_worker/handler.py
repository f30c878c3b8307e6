"""Announcement fan-out worker (P3.3): SQS batches, partial-batch failures, DLQ after retries.

Each message names an announcement and one page of a shard of active customers, never an
address: its customers' notices go into the outbox (which the delivery worker sends), and the
next page is queued (``ongpt.announcements.service``).
"""

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json

from ongpt import services
from ongpt.announcements.models import PageMessage
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger
from ongpt.platform.worker import sqs_worker


class PageRecord(SqsRecordModel):
    body: Json[PageMessage]  # the JSON string, parsed


def deliver(record: PageRecord) -> None:
    message = record.body
    enqueued = services.announcements().deliver(message)
    logger.info("announcement enqueued", extra={"shard": message.shard, "enqueued": enqueued})


ENVIRONMENT = (env.CUSTOMERS_TABLE, env.OUTBOX_TABLE, env.ANNOUNCEMENT_QUEUE_URL)
lambda_handler = sqs_worker(deliver, PageRecord, ENVIRONMENT)
