"""Codes for new registrations (P1.2), from SQS: for each message, a code to each address of the
registration, or to an address that already has an account a notice to its owner. Doing this
here keeps the sign-up request to three AWS calls and makes its answer take the same time
whether or not an address is taken.

Each message names a registration and a round (0 at sign-up, one more per resend), never an
address; each channel's code is sent once per round, also when the batch is retried.
"""

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.parser.types import Json

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.worker import sqs_worker
from ongpt.registration.models import CodesMessage


class CodesRecord(SqsRecordModel):
    body: Json[CodesMessage]  # the JSON string, parsed


def deliver(record: CodesRecord) -> None:
    message = record.body
    services.registrations().deliver_codes(message.registration_id, message.round, message.notices)


ENVIRONMENT = (
    env.GUARDS_TABLE,
    env.REGISTRATIONS_TABLE,
    env.DATA_KEY_ID,
    *env.EMAIL,
    env.BLIND_INDEX_KEY_ID,
    env.SEND_LIMITS_TABLE,
)
lambda_handler = sqs_worker(deliver, CodesRecord, ENVIRONMENT)
