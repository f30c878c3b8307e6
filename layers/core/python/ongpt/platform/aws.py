"""boto3 clients, created on first use (or before a SnapStart snapshot) and reused while the
function is warm.

Retries use the SDK's standard mode (https://docs.aws.amazon.com/boto3/latest/guide/retries.html,
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html): 3 attempts with
exponential backoff and jitter, for connection errors and timeouts, 500/502/503/504 answers and
the throttling codes (DynamoDB ``ProvisionedThroughputExceededException``, KMS
``ThrottlingException``, Cognito and SES ``TooManyRequestsException``, among others), within a
client-side retry quota. Adaptive mode's client-side rate limiting is meant for one client per
resource, not for many Lambda environments. SNS's ``Throttled`` is not among them (``unthrottled``).
A dependency that still fails surfaces as ``DependencyUnavailable`` (503 with ``Retry-After``)
where the domain cannot recover. ``client(name)`` is typed (boto3-stubs) for the services the
functions use.
"""

from __future__ import annotations

import random
import time
import weakref
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Literal, TypeVar, overload

import boto3
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

T = TypeVar("T")
# SNS answers a throttled call ``Throttled`` (429) ("Publish", Amazon SNS API Reference,
# https://docs.aws.amazon.com/sns/latest/api/API_Publish.html), an error its model declares
# without the retryable trait, so standard mode does not retry it (botocore retries a 429 only
# when its code is not a modelled error).
SNS_THROTTLED = "Throttled"
THROTTLED_TRIES = 3
FIRST_THROTTLED_PAUSE_SECONDS = 0.2

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
    made = boto3.client(service, config=RETRIES)
    _made.add(made)
    return made


def close_connections() -> None:
    """Close every client's pooled connections; each opens new ones on its next call."""
    for made in list(_made):
        made.close()


def unthrottled(call: Callable[[], T], *, tries: int = THROTTLED_TRIES) -> T:
    """``call()`` (an SNS call), made again after a jittered, growing pause while SNS refuses it
    as throttled: it was refused, so nothing was sent; the last refusal is raised."""
    for attempt in range(tries - 1):
        try:
            return call()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != SNS_THROTTLED:
                raise
        time.sleep(random.uniform(0, FIRST_THROTTLED_PAUSE_SECONDS * 2**attempt))  # noqa: S311
    return call()
