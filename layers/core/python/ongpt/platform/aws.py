"""boto3 clients, created on first use and reused while the function is warm.

Retries use the SDK's standard mode; a dependency that still fails surfaces as
``DependencyUnavailable`` (503) where the domain cannot recover. ``client(name)`` is typed
(boto3-stubs) for the services the functions use.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Literal, overload

import boto3
from botocore.config import Config

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

Service = Literal["cognito-idp", "dynamodb", "kms", "s3", "sesv2", "sns", "sqs"]


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
    return boto3.client(service, config=RETRIES)
