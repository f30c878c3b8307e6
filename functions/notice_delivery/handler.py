"""Delivery of the outbox's notices, from the Outbox table's stream (DESIGN.md, "One shape for
every write"): only new items (the mapping's filter), partial batch failures, bounded retries,
then the record's batch to the dead-letter queue.

A record holds the notice sealed; the worker claims it, opens it, sends it and marks it sent
(``ongpt.notify.dispatch``). It logs ids and outcomes only.
"""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger
from ongpt.platform.worker import stream_worker


def deliver(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb else {}
    notice_id = str(keys["notice_id"])
    outcome = services.notice_delivery().deliver(notice_id)
    logger.info("notice delivered", extra={"notice_id": notice_id, "outcome": outcome})


ENVIRONMENT = (*env.MESSAGING, env.OUTBOX_TABLE)
lambda_handler = stream_worker(deliver, ENVIRONMENT)
