"""Benchmark: AWS calls per request, counted with a botocore event hook (``before-call``), for
the registration routes, the codes worker a sign-up queues, and ``GET /v1/me`` cold (new
function instance) and warm."""

from __future__ import annotations

import importlib
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import boto3

from local.lambdas import reset_warm_state
from tests.bench import quiet
from tests.bench.results import Row
from tests.support.deployed import Deployed, customer, deployed, guest
from tests.support.events import FakeLambdaContext, rest_event

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"registration start": 4, "verification": 6, "GET /v1/me cold": 2, "GET /v1/me warm": 1}
REGISTRATION: dict[str, Any] = {
    "full_name": "Nguyễn Văn An",
    "phone": "0967915569",
    "email": "an.bench@example.com",
    "consents": {
        "privacy_policy": "2024-10",
        "terms": "2024-10",
        "marketing": False,
        "product_updates": True,
    },
}


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        self.calls[event_name.removeprefix("before-call.")] += 1

    def take(self) -> Counter[str]:
        taken, self.calls = self.calls, Counter()
        return taken


def _invoke(name: str, event: dict[str, Any]) -> dict[str, Any]:
    module = importlib.import_module(f"functions.{name}.handler")
    response: dict[str, Any] = module.lambda_handler(event, FakeLambdaContext())
    return json.loads(response["body"])  # type: ignore[no-any-return]


def _code(aws: Deployed, address: str) -> str:
    found = re.search(r"\b(\d{6})\b", aws.messages_to(address)[-1]["body"])
    assert found
    return found.group(1)


def measure(assembly: Path) -> dict[str, Counter[str]]:
    results: dict[str, Counter[str]] = {}
    with deployed(assembly) as aws:
        counter = CallCounter()
        with aws.environment_of("registration"):
            accepted = _invoke(
                "registration",
                rest_event(
                    "POST",
                    "/v1/registrations",
                    body=REGISTRATION,
                    identity=aws.in_world(guest(), "registration"),
                ),
            )
            results["registration start"] = counter.take()
            # The codes worker, then a fresh registration function: on Lambda the two requests
            # may meet different instances, so verification is counted cold (with Decrypt).
            aws.work_off(os.environ["REGISTRATION_QUEUE_URL"])
            results["the registration_codes worker, per registration"] = counter.take()
            reset_warm_state()
            rid = accepted["registration_id"]
            body = {
                "email_code": _code(aws, REGISTRATION["email"]),
                "phone_code": _code(aws, "+84967915569"),
                "password": "correct-Horse-battery-9",
            }
            created = _invoke(
                "registration",
                rest_event(
                    "POST",
                    f"/v1/registrations/{rid}/verification",
                    body=body,
                    identity=aws.in_world(guest(), "registration"),
                ),
            )
            results["verification"] = counter.take()
        with aws.environment_of("me"):
            me = rest_event(
                "GET", "/v1/me", identity=aws.in_world(customer(created["customer_id"]), "me")
            )
            _invoke("me", me)
            results["GET /v1/me cold"] = counter.take()
            _invoke("me", me)
            results["GET /v1/me warm"] = counter.take()
    return results


def main() -> list[Row]:
    rows = []
    for request, calls in measure(ROOT / "cdk.out").items():
        total, target = sum(calls.values()), TARGETS.get(request)
        detail = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(calls.items()))
        if target is None:  # a worker's calls: no target
            print(f"{request}: {total} AWS calls ({detail})")
            rows.append(Row(f"AWS calls, {request}", f"{total}: {detail}"))
            continue
        verdict = "met" if total <= target else "NOT met"
        print(
            f"{request}: {total} AWS calls ({detail}); target ≤ {target}, "
            f"ratio {total / target:.2f} ({verdict})"
        )
        met = total <= target
        rows.append(Row(f"AWS calls, {request}", f"{total}: {detail}", f"≤ {target}", met))
    return rows


if __name__ == "__main__":
    quiet()
    main()
