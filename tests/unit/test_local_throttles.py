"""API Gateway's throttling as the local gateway applies it (``local/throttles.py``): a token
bucket per method, refilled at the rate, as deep as the burst; the local limits can be raised."""

from __future__ import annotations

import time

import pytest

from local.template import ApiRoute
from local.throttles import SCALE_VARIABLE, Throttles, TokenBucket

ROUTE = ApiRoute("M", "GET", "/v1/policy", "AWS_IAM", "F")
STAGE = {
    "MethodSettings": [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": 0.001,
            "ThrottlingBurstLimit": 2,
        }
    ]
}


def test_a_bucket_takes_its_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=20, burst=2)
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    time.sleep(0.06)  # a token every 50 ms
    assert [bucket.take() for _ in range(2)] == [True, False]


def test_the_local_limits_can_be_raised_for_a_test(monkeypatch: pytest.MonkeyPatch) -> None:
    as_deployed = Throttles(STAGE)
    assert [as_deployed.admit(ROUTE) for _ in range(3)] == [True, True, False]
    monkeypatch.setenv(SCALE_VARIABLE, "2")
    raised = Throttles(STAGE)
    assert [raised.admit(ROUTE) for _ in range(5)] == [True] * 4 + [False]
