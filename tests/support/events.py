"""API Gateway REST proxy and SQS events and a Lambda context, as Lambda would pass them."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any
from unittest import mock

from local.placeholders import SAMPLES
from local.template import ACCOUNT_ID
from ongpt.platform import settings as env
from ongpt.platform.api import Api, LambdaHandler, entrypoint

# The identity pool of "this deployment" in events built here (the placeholder environment's);
# ``Deployed.call`` names its world's own instead.
IDENTITY_POOL = SAMPLES[env.IDENTITY_POOL_ID.name]


def api_entrypoint(app: Api, service: str) -> LambdaHandler:
    """``app``'s entry point with what the stack gives every API function, there at its cold
    start (which checks it) and at each invocation, as on Lambda."""
    every_api_function = {
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": "Tests",
        "SMS_COUNTRY_CODES": '["84"]',
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
        "SITE_ORIGIN": "https://site.example",
        env.IDENTITY_POOL_ID.name: IDENTITY_POOL,
    }
    with mock.patch.dict(os.environ, every_api_function):
        handler = entrypoint(app, ())

    def invoked(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with mock.patch.dict(os.environ, every_api_function):
            return handler(event, context)

    return invoked


@dataclass
class FakeLambdaContext:
    function_name: str = "test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:123456789012:function:test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def rest_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    identity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A proxy event for ``method path``; ``body`` is sent as JSON, ``raw_body`` as given."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "accountId": ACCOUNT_ID,  # the API owner's
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest", **(identity or {})},
        },
        "body": text,
        "isBase64Encoded": False,
    }


def sqs_event(*bodies: str) -> dict[str, Any]:
    """An SQS event source's batch of ``bodies``, their message ids ``m0``, ``m1``, ..., with the
    attributes Lambda always gives (Powertools' ``SqsRecordModel`` requires them)."""
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1767225600000",
                    "SenderId": "AROAEXAMPLE:sender",
                    "ApproximateFirstReceiveTimestamp": "1767225600001",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:q",
                "awsRegion": "ap-southeast-1",
            }
            for i, body in enumerate(bodies)
        ]
    }
