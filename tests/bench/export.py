"""Benchmark: ``GET /v1/me/export`` of the largest plausible customer (``tests.support.scale``'s
``FIVE_YEARS``), invoked cold in-process over moto, against the limits it must fit in: the
response Lambda carries (6 MB), the body API Gateway passes on (10 MB), and an estimate of its
duration on AWS against the function's timeout and API Gateway's integration timeout.

The estimate is the AWS calls made, each at a latency AWS documents (or, where it documents none,
an assumed one, said so below), plus the CPU time the handler spent here outside moto, scaled to
the share of a vCPU the function's memory buys on Lambda. Calls are counted as
``tests.bench.aws_calls`` counts them."""

from __future__ import annotations

import importlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local.gateway import MAX_PAYLOAD_BYTES
from local.lambdas import MAX_RESPONSE_BYTES, payload_size
from tests.bench import quiet
from tests.bench.aws_calls import CallCounter
from tests.bench.results import Row
from tests.support import contract
from tests.support.deployed import Deployed, customer, deployed
from tests.support.events import FakeLambdaContext, rest_event
from tests.support.journeys import registered
from tests.support.scale import FIVE_YEARS, load_history

ROOT = Path(__file__).resolve().parents[2]
ROUTE = ("GET", "/v1/me/export")
# DynamoDB: "single-digit millisecond performance at any scale" ("What is Amazon DynamoDB?",
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html): its upper
# end, per call.
DYNAMODB_CALL_SECONDS = 0.010
# KMS documents no latency, only that its operations are "low latency" ("AWS KMS design goals",
# https://docs.aws.amazon.com/kms/latest/cryptographic-details/design-goals.html): assumed 25 ms.
KMS_CALL_SECONDS = 0.025
# "At 1,769 MB, a function has the equivalent of one vCPU" ("Configure Lambda function memory",
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): a function of less
# memory gets that share of one, so its CPU-bound work takes 1,769 / memory as long as on one
# core here (taken as a match for a Lambda vCPU).
ONE_VCPU_MB = 1769
MB = 1024 * 1024
# The profile, its data key and the account's status (each read twice or once: 5), a query per
# kind of record (8), the complaints and their keys (2): 15; and room for a list's second 1 MB
# page. A read per record would be thousands.
DYNAMODB_CALLS_MOST = 20


class ReadMeter(CallCounter):
    """``CallCounter``, also summing the items each read went through (``ScannedCount`` of a
    query, the items of a get) and this thread's CPU time inside moto: from ``before-send``,
    where moto answers in place of AWS, to ``before-parse``."""

    def __init__(self) -> None:
        super().__init__()
        self.items_read = 0
        self.moto_seconds = 0.0
        self._sent = 0.0
        assert boto3.DEFAULT_SESSION is not None
        events = boto3.DEFAULT_SESSION.events
        events.register("after-call", self._read)
        events.register_first("before-send", self._sending)
        events.register("before-parse", self._answered)

    def _read(self, parsed: dict[str, Any], **_: Any) -> None:
        if "ScannedCount" in parsed:
            self.items_read += parsed["ScannedCount"]
        elif "Item" in parsed:
            self.items_read += 1
        elif "Responses" in parsed:
            self.items_read += sum(len(items) for items in parsed["Responses"].values())

    def _sending(self, **_: Any) -> None:
        self._sent = time.thread_time()

    def _answered(self, **_: Any) -> None:
        self.moto_seconds += time.thread_time() - self._sent


@dataclass(frozen=True)
class Export:
    """One export, as the ``me`` function answered it, and what it cost."""

    body: dict[str, Any] = field(repr=False)
    response_bytes: int  # the proxy response as Lambda carries it: the body is JSON in JSON
    body_bytes: int  # what API Gateway answers the client
    calls: Counter[str]  # "dynamodb.Query": 3, ...
    items_read: int
    cpu_seconds: float  # the handler's own, here, without moto's

    def calls_to(self, service: str) -> int:
        return sum(n for call, n in self.calls.items() if call.startswith(f"{service}."))

    def lambda_seconds(self, memory_mb: int) -> float:
        """The estimated duration on Lambda with ``memory_mb`` of memory."""
        return (
            self.calls_to("dynamodb") * DYNAMODB_CALL_SECONDS
            + self.calls_to("kms") * KMS_CALL_SECONDS
            + self.cpu_seconds * ONE_VCPU_MB / memory_mb
        )


def export_of(aws: Deployed, customer_id: str) -> Export:
    """The customer's export from a new (cold) instance of the ``me`` function, measured."""
    event = rest_event(*ROUTE, identity=aws.in_world(customer(customer_id), "me"))
    with aws.environment_of("me"):
        module = importlib.import_module("functions.me.handler")
        meter = ReadMeter()
        started = time.thread_time()
        response = module.lambda_handler(event, FakeLambdaContext())
        cpu = time.thread_time() - started - meter.moto_seconds
    body = json.loads(response["body"])
    contract.check(*ROUTE, response["statusCode"], body)  # the export as API.md has it
    return Export(
        body=body,
        response_bytes=payload_size(response),
        body_bytes=len(response["body"].encode()),
        calls=meter.take(),
        items_read=meter.items_read,
        cpu_seconds=cpu,
    )


@dataclass(frozen=True)
class Limits:
    """What the export must fit in, from the template: the function's timeout and memory and the
    route's integration timeout."""

    function_seconds: float
    memory_mb: int
    integration_seconds: float

    @classmethod
    def of(cls, aws: Deployed) -> Limits:
        function = aws.function("me")
        (route,) = [r for r in aws.template.api_routes() if (r.method, r.path) == ROUTE]
        return cls(function.timeout_seconds, function.memory_mb, route.timeout_ms / 1000)


def records(export: dict[str, Any]) -> int:
    """How many records an export holds (the profile and each item of its lists)."""
    consents = export["consents"]
    lists = [v for v in export.values() if isinstance(v, list)]
    return 1 + len(consents["current"]) + len(consents["history"]) + sum(map(len, lists))


def _share(name: str, value: float, limit: float, unit: str) -> Row:
    """A figure against its limit: its share of it, met if within."""
    return Row(
        f"{name} / {limit:.3g} {unit}",
        f"{value:.2f} {unit} ({value / limit:.0%})",
        "≤ 100%",
        value <= limit,
    )


def rows(export: Export, limits: Limits) -> list[Row]:
    estimated = export.lambda_seconds(limits.memory_mb)
    detail = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(export.calls.items()))
    dynamodb, kms = export.calls_to("dynamodb"), export.calls_to("kms")
    return [
        Row("export, largest customer: records", f"{records(export.body)}"),
        # Lambda's synchronous response: the proxy response, its body JSON in JSON (its quotas,
        # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
        _share(
            "export: Lambda response", export.response_bytes / MB, MAX_RESPONSE_BYTES / MB, "MB"
        ),
        # API Gateway's payload, the body it answers ("Quotas for configuring and running a REST
        # API", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html)
        _share("export: body", export.body_bytes / MB, MAX_PAYLOAD_BYTES / MB, "MB"),
        Row("export: AWS calls", f"{sum(export.calls.values())}: {detail}"),
        Row(
            "export: DynamoDB calls",
            f"{dynamodb}",
            f"≤ {DYNAMODB_CALLS_MOST}",
            dynamodb <= DYNAMODB_CALLS_MOST,
        ),
        Row("export: KMS calls (the customer's key, each complaint's)", f"{kms}"),
        Row("export: items read", f"{export.items_read}"),
        Row("export: CPU here, without moto", f"{export.cpu_seconds * 1000:.0f} ms"),
        _share(
            "export: estimated on Lambda, function timeout", estimated, limits.function_seconds, "s"
        ),
        # the integration timeout of the route, from the template (29 s unless it says otherwise:
        # the quotas page above)
        _share(
            "export: estimated, integration timeout", estimated, limits.integration_seconds, "s"
        ),
    ]


def main() -> list[Row]:
    with deployed(ROOT / "cdk.out") as aws:
        _, customer_id = registered(aws)
        load_history(aws, customer_id, FIVE_YEARS)
        measured = rows(export_of(aws, customer_id), Limits.of(aws))
    for row in measured:
        verdict = (
            "" if row.met is None else f"; target {row.target} ({'met' if row.met else 'NOT met'})"
        )
        print(f"{row.name}: {row.measured}{verdict}")
    return measured


if __name__ == "__main__":
    quiet()
    main()
