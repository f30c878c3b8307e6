"""API Gateway's stage and method throttling, from the template's ``MethodSettings``.

"Throttle requests to your REST APIs for better throughput in API Gateway"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html):
a token bucket per method of the stage, of ``ThrottlingBurstLimit`` tokens refilled at
``ThrottlingRateLimit`` a second; the stage's settings (``ResourcePath`` ``/*``, ``HttpMethod``
``*``) apply to each method, a method's own setting replaces them. A request that finds its bucket
empty is answered 429 ``{"message":"Too Many Requests"}`` (the ``THROTTLED`` gateway response,
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
The account's own limit (10,000 requests a second per Region) is not modelled.

``LOCAL_API_THROTTLE_SCALE`` (default 1) multiplies every rate and burst: a test that must send
more than the template allows at once raises it, and says why.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from local.template import ApiRoute, Template

SCALE_VARIABLE = "LOCAL_API_THROTTLE_SCALE"
ALL = ("/*", "*")


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` a second; a request takes one."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = burst
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


def _resource_path(path: str) -> str:
    """A resource's path as a method setting names it: ``/v1/me`` is ``/~1v1~1me``."""
    return "/" + path.replace("/", "~1")


class Throttles:
    """The buckets of one stage's methods."""

    def __init__(self, stage: dict[str, Any]) -> None:
        scale = float(os.environ.get(SCALE_VARIABLE, "1"))
        self.settings = {
            (s.get("ResourcePath"), s.get("HttpMethod")): (
                s["ThrottlingRateLimit"] * scale,
                s["ThrottlingBurstLimit"] * scale,
            )
            for s in stage.get("MethodSettings", [])
            if "ThrottlingRateLimit" in s and "ThrottlingBurstLimit" in s
        }
        self._buckets: dict[tuple[str, str], TokenBucket | None] = {}
        self._lock = threading.Lock()

    def admit(self, route: ApiRoute) -> bool:
        """Whether the route's method has a token for this request."""
        key = (route.path, route.method)
        with self._lock:
            if key not in self._buckets:
                limits = self.settings.get((_resource_path(route.path), route.method))
                limits = limits or self.settings.get(ALL)
                self._buckets[key] = TokenBucket(*limits) if limits else None
            bucket = self._buckets[key]
        return bucket is None or bucket.take()


def stage_throttles(template: Template) -> Throttles:
    ((_, stage),) = template.of_type("AWS::ApiGateway::Stage")
    return Throttles(stage)
