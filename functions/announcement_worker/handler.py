"""Announcement fan-out worker (P3.3): SQS batches, partial-batch failures, DLQ after retries.

Each message names an announcement and a shard of active customers, never an address.
"""

import json

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger
from ongpt.platform.worker import sqs_worker


def deliver(record: SQSRecord) -> None:
    message = json.loads(record.body)
    sent = services.announcements().deliver(str(message["announcement_id"]), int(message["shard"]))
    logger.info("announcement delivered", extra={"shard": message["shard"], "sent": sent})


ENVIRONMENT = env.MESSAGING
lambda_handler = sqs_worker(deliver, ENVIRONMENT)
