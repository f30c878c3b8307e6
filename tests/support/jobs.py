"""The scheduled jobs and queue workers, invoked in-process as EventBridge Scheduler and SQS
invoke them, each with its function's environment."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from tests.support.deployed import Deployed
from tests.support.events import FakeLambdaContext


def scheduled(now: datetime) -> dict[str, str]:
    return {"scheduled_time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}


def run_job(aws: Deployed, now: datetime) -> dict[str, int]:
    """The expiry reminders job, run at ``now``, and the notices it enqueued delivered: its
    counts."""
    with aws.environment_of(
        "expiry_reminders"
    ):  # a handler checks its environment as it is imported
        module = importlib.import_module("functions.expiry_reminders.handler")
        counts: dict[str, int] = module.lambda_handler(scheduled(now), FakeLambdaContext())
    aws.deliver_notices()
    return counts


def run_scheduled(
    aws: Deployed, function: str, now: datetime, record: list[str] | None = None, **more: str
) -> Any:
    """The scheduled ``function`` (its folder name), run at ``now`` with ``more`` in its event
    (the erasure's ``replay_since``): its answer. The DynamoDB operations it makes are added to
    ``record``."""
    with aws.environment_of(function):  # a handler checks its environment as it is imported
        module = importlib.import_module(f"functions.{function}.handler")
        from ongpt.platform.aws import client

        if record is not None:
            client("dynamodb").meta.events.register(
                "before-call.dynamodb", lambda model, **_: record.append(model.name)
            )
        answer = module.lambda_handler({**scheduled(now), **more}, FakeLambdaContext())
    aws.deliver_notices()
    return answer


def dynamodb_operations(aws: Deployed, function: str, now: datetime) -> set[str]:
    """The DynamoDB operations the scheduled ``function`` makes when run at ``now``."""
    operations: list[str] = []
    run_scheduled(aws, function, now, record=operations)
    return set(operations)


def run_erasure(aws: Deployed, now: datetime, **more: str) -> dict[str, int]:
    """The erasure job, run at ``now`` (``replay_since=...`` after a restore): its counts."""
    return run_scheduled(aws, "erasure", now, None, **more)  # type: ignore[no-any-return]


def run_anchor_job(aws: Deployed, now: datetime) -> Any:
    """The audit anchors job, run at ``now``: its counts."""
    return run_scheduled(aws, "audit_anchors", now)


def work(
    aws: Deployed, event: dict[str, Any], worker: str = "announcement_worker"
) -> dict[str, Any]:
    """The queue ``worker`` given an SQS ``event``: its batch answer."""
    with aws.environment_of(worker):  # a handler checks its environment as it is imported
        module = importlib.import_module(f"functions.{worker}.handler")
        return module.lambda_handler(event, FakeLambdaContext())  # type: ignore[no-any-return]
