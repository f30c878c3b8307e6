"""Codes for account recoveries (API.md, Recovery), from SQS: for each message, when the pair of
addresses is one active account's, a code to each address; otherwise nothing. Doing this here
keeps the recovery request's calls, answer and time the same whether or not the pair matches.

Each message names a recovery and a round (0 at the start, one more per resend), never an
address; each channel's code is sent once per round, also when the batch is retried.
"""

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json

from ongpt import services
from ongpt.lifecycle.models import RecoveryCodesMessage
from ongpt.platform import settings as env
from ongpt.platform.worker import sqs_worker


class RecoveryCodesRecord(SqsRecordModel):
    body: Json[RecoveryCodesMessage]  # the JSON string, parsed


def deliver(record: RecoveryCodesRecord) -> None:
    services.recovery_codes().deliver(record.body.recovery_id, record.body.round)


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.GUARDS_TABLE,
    *env.CUSTOMER_KEYS,
    *env.EMAIL,
    env.REGISTRATIONS_TABLE,
    env.SEND_LIMITS_TABLE,
)
lambda_handler = sqs_worker(deliver, RecoveryCodesRecord, ENVIRONMENT)
