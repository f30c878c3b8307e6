"""Codes for account recoveries (API.md, Recovery), from SQS: for each message, when the pair of
addresses is one active account's, a code to each address; otherwise nothing. Doing this here
keeps the recovery request's calls, answer and time the same whether or not the pair matches.

Each message names a recovery and a round (0 at the start, one more per resend), never an
address; each channel's code is sent once per round, also when the batch is retried.
"""

import json

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.worker import sqs_worker


def deliver(record: SQSRecord) -> None:
    message = json.loads(record.body)
    services.recovery_codes().deliver(str(message["recovery_id"]), int(message["round"]))


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.REGISTRATIONS_TABLE,
    env.DATA_KEY_ID,
    *env.EMAIL,
    env.SEND_LIMITS_TABLE,
)
lambda_handler = sqs_worker(deliver, ENVIRONMENT)
