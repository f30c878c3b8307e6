"""boto3 clients, created on first use (or before a SnapStart snapshot) and reused while the
function is warm.

Retries use the SDK's standard mode (https://docs.aws.amazon.com/boto3/latest/guide/retries.html,
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html): up to 3 retries
(``max_attempts`` counts retries: 4 attempts in all) with exponential backoff and jitter, for
connection errors and timeouts, 500/502/503/504 answers and the throttling codes (DynamoDB
``ProvisionedThroughputExceededException``, KMS ``ThrottlingException``, Cognito
``TooManyRequestsException``, among others), within a client-side retry quota. Adaptive mode's
client-side rate limiting is meant for one client per resource, not for many Lambda
environments. A dependency that still fails surfaces as ``DependencyUnavailable`` (503 with
``Retry-After``) where the domain cannot recover.
``client(name)`` is typed (boto3-stubs) for the services the functions use.

The senders (SES ``SendEmail``, SNS ``Publish`` to a phone) take no idempotency token, so a call
the SDK sends again after a timeout or a 5xx may deliver the message twice. Their clients send a
call again only when it was refused (``refused``): a throttle, which takes nothing, or a connection
that was never made. A call whose answer is lost after it reached the service raises
(``answer_lost``): the message may have gone, and it is not sent again.
"""

from __future__ import annotations

import random
import weakref
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
import botocore.exceptions
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from mypy_boto3_cognito_idp.client import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sqs.client import SQSClient

READ_TIMEOUT_SECONDS = 5
RETRIES = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=READ_TIMEOUT_SECONDS,
)
# The senders' clients make one attempt of their own; ``_refused_again`` makes the others.
ONE_ATTEMPT = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=3,
    read_timeout=READ_TIMEOUT_SECONDS,
)
SENDERS = ("sesv2", "sns")
# What a throttled send is answered: SES v2 ``TooManyRequestsException`` (429, "SendEmail",
# https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html) or, over the
# sending quota, ``ThrottlingException``: "Amazon SES drops the message and doesn't attempt to
# redeliver it" (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html);
# SNS ``Throttled`` (429, https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
THROTTLES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttled"})
SEND_TRIES = 3
FIRST_REFUSED_PAUSE_SECONDS = 0.2

Service = Literal["cognito-idp", "dynamodb", "kms", "s3", "sesv2", "sns", "sqs"]
_made: weakref.WeakSet[BaseClient] = weakref.WeakSet()  # the clients ``_client`` holds


@overload
def client(service: Literal["cognito-idp"]) -> CognitoIdentityProviderClient: ...
@overload
def client(service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def client(service: Literal["kms"]) -> KMSClient: ...
@overload
def client(service: Literal["s3"]) -> S3Client: ...
@overload
def client(service: Literal["sesv2"]) -> SESV2Client: ...
@overload
def client(service: Literal["sns"]) -> SNSClient: ...
@overload
def client(service: Literal["sqs"]) -> SQSClient: ...
def client(service: Service) -> BaseClient:
    return _client(service)


@cache
def _client(service: Service) -> BaseClient:
    made = _new_client(service)
    _made.add(made)
    return made


def _new_client(service: Service) -> BaseClient:
    """A client of ``service`` with its retries: standard mode, or a sender's own."""
    if service not in SENDERS:
        return boto3.client(service, config=RETRIES)
    made = boto3.client(service, config=ONE_ATTEMPT)
    # botocore emits ``needs-retry`` after each attempt; a handler's delay sends the call again,
    # None does not (the event system:
    # https://boto3.amazonaws.com/v1/documentation/api/latest/guide/events.html).
    made.meta.events.register(  # the stubs type every handler as returning None
        f"needs-retry.{service}",
        _refused_again,  # type: ignore[arg-type]
        unique_id="refused-again",
    )
    return made


def close_connections() -> None:
    """Close every client's pooled connections; each opens new ones on its next call."""
    for made in list(_made):
        made.close()


def refused(response: tuple[Any, dict[str, Any]] | None, caught: Exception | None) -> bool:
    """Whether a send was refused, so that sending it again cannot send it twice: throttled (the
    service took nothing), or no connection to the service was made."""
    if caught is not None:
        return isinstance(caught, botocore.exceptions.ConnectionError)
    return response is not None and response[1].get("Error", {}).get("Code") in THROTTLES


def answer_lost(error: BaseException) -> bool:
    """Whether a send failed after it reached the service, its outcome unknown: a timeout or a
    connection closed while waiting for the answer, or a 5xx (the service may have sent it)."""
    if isinstance(error, botocore.exceptions.HTTPClientError):
        return True
    return isinstance(error, ClientError) and (
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    )


def _refused_again(
    response: tuple[Any, dict[str, Any]] | None,
    attempts: int,
    caught_exception: Exception | None,
    **_: Any,
) -> float | None:
    """A sender's ``needs-retry`` handler: the jittered, growing pause before a refused send is
    made again, at most ``SEND_TRIES`` attempts in all; None for anything else."""
    if attempts >= SEND_TRIES or not refused(response, caught_exception):
        return None
    return random.uniform(0, FIRST_REFUSED_PAUSE_SECONDS * 2 ** (attempts - 1))  # noqa: S311
