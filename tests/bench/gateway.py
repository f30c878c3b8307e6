"""Benchmark: the local runtime's start-up and the local gateway's per-request overhead (the
runtime under load: ``tests/bench/load.py``).

Overhead is SigV4 verification, the IAM policy check and building the proxy event, measured as
the time of ``GET /v1/policy`` through the gateway (in-process WSGI, no sockets) over calling the
same handler directly, both in the same run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from statistics import median
from typing import Any
from unittest.mock import patch

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto import mock_aws
from werkzeug.test import Client

from local.gateway import LocalGateway
from local.lambdas import load_functions
from local.outbox import Outbox
from local.principals import Principals
from local.provision import Provisioner
from local.template import Template
from ongpt.platform import settings as env
from tests.bench import quiet
from tests.bench.results import Row
from tests.support.deployed import guest
from tests.support.events import FakeLambdaContext, rest_event
from tests.support.runtime import served

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 300


def _timed(call: Any, repeat: int) -> float:
    """Median seconds of one call, over ``repeat`` calls after a warm-up."""
    for _ in range(20):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return median(samples)


def gateway_overhead(assembly: Path) -> tuple[float, float]:
    with mock_aws():
        template = Template.load(assembly)
        resolver = Provisioner(template, endpoint_url=None).run()
        functions = load_functions(template, resolver, {})
        gateway = LocalGateway(
            template,
            resolver,
            functions,
            Principals(template, resolver, aws_endpoint="http://unused"),
            Outbox(template.region()),
        )
        route = next(r for r in gateway.routes if r.path == "/v1/policy")
        function = functions[route.function_id]
        handler = function.module().lambda_handler
        # Handlers refuse nameless callers, and those of another deployment's identity pool.
        pool = function.environment[env.IDENTITY_POOL_ID.name]
        event = rest_event("GET", "/v1/policy", identity={**guest(), "cognitoIdentityPoolId": pool})

        issued = gateway.credentials.mint(gateway.principals.guest())
        request = AWSRequest(method="GET", url="http://localhost/v1/policy", data=b"")
        creds = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
        SigV4Auth(creds, "execute-api", gateway.region).add_auth(request)
        headers = {**request.headers, "Host": "localhost"}
        client = Client(gateway)

        def through_gateway() -> None:
            assert client.get("/v1/policy", headers=headers).status_code == 200

        def direct() -> None:
            assert handler(event, FakeLambdaContext())["statusCode"] == 200

        with patch.dict(os.environ, function.environment):  # as the gateway invokes it
            direct_seconds = _timed(direct, REQUESTS)
        return direct_seconds, _timed(through_gateway, REQUESTS)


def main() -> list[Row]:
    assembly = ROOT / "cdk.out"
    with served(assembly, ROOT / ".build" / "bench-startup") as (startup, _):
        print(f"local runtime start-up: {startup:.2f} s (process start to serving)")
    direct, gateway = gateway_overhead(assembly)
    overhead = (
        f"handler direct {direct * 1000:.2f} ms, through the local gateway "
        f"{gateway * 1000:.2f} ms; ratio {gateway / direct:.2f}x "
        f"(overhead {(gateway - direct) * 1000:.2f} ms)"
    )
    print(f"GET /v1/policy, median of {REQUESTS}: {overhead}")
    return [
        Row("local runtime start-up, process start to serving", f"{startup:.2f} s"),
        Row(f"local gateway overhead, `GET /v1/policy`, median of {REQUESTS}", overhead),
    ]


if __name__ == "__main__":
    quiet()
    main()
