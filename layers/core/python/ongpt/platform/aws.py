"""boto3 clients, created on first use and reused while the function is warm.

Retries use the SDK's standard mode; a dependency that still fails surfaces as
``DependencyUnavailable`` (503) where the domain cannot recover.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

RETRIES = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=5)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=RETRIES)  # type: ignore[call-overload]
