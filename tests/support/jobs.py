"""The scheduled jobs and queue workers, invoked in-process as EventBridge Scheduler and SQS
invoke them, each with its function's environment."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.lambdas import LambdaContext
from tests.support.deployed import Deployed
from tests.support.events import FakeLambdaContext

CONTINUE: dict[str, Any] = {
    "continue": True
}  # the event of a job's continuation schedule (``ongpt.jobs``)


def scheduled(now: datetime) -> dict[str, str]:
    return {"scheduled_time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}


@dataclass
class RunningOut(FakeLambdaContext):
    """A Lambda context whose time runs short (below the jobs' margin) once a job has checked it
    before ``pages`` pages: the invocation stops after that many."""

    pages: int = 1

    def get_remaining_time_in_millis(self) -> int:
        self.pages -= 1
        return 15 * 60_000 if self.pages >= 0 else 1_000


def run_job(aws: Deployed, now: datetime, **more: Any) -> dict[str, Any]:
    """The expiry reminders job, run at ``now`` (``run_scheduled``'s ``more``), and the notices
    it enqueued delivered: its answer."""
    return run_scheduled(aws, "expiry_reminders", now, **more)  # type: ignore[no-any-return]


def run_scheduled(
    aws: Deployed,
    function: str,
    now: datetime,
    record: list[tuple[str, str]] | None = None,
    *,
    context: Any = None,
    page_size: int | None = None,
    pages: int | None = None,
    **more: Any,
) -> Any:
    """The scheduled ``function`` (its folder name), run at ``now`` with ``more`` in its event
    (the erasure's ``replay_since``, ``CONTINUE``): its answer. The DynamoDB operations it
    makes are added to ``record``, each with the table it names (``""`` for a transaction).
    ``context`` is the function's with its timeout unless given; ``page_size`` and ``pages``
    stand for the template's settings of its bound."""
    with aws.environment_of(function):  # a handler checks its environment as it is imported
        for variable, value in (("JOB_PAGE_SIZE", page_size), ("JOB_PAGES", pages)):
            if value is not None:
                os.environ[variable] = str(value)
        module = importlib.import_module(f"functions.{function}.handler")
        from ongpt.platform.aws import client

        if record is not None:
            client("dynamodb").meta.events.register(
                "before-parameter-build.dynamodb",
                lambda model, params, **_: record.append(
                    (model.name, str(params.get("TableName", "")))
                ),
            )
        invoked = aws.function(function)
        context = context or LambdaContext(
            invoked.logical_id, invoked.arn, invoked.memory_mb, invoked.timeout_seconds
        )
        answer = module.lambda_handler({**scheduled(now), **more}, context)
    aws.deliver_notices()
    return answer


def dynamodb_operations(aws: Deployed, function: str, now: datetime, table: str) -> set[str]:
    """The DynamoDB operations the scheduled ``function`` makes on the table its variable
    ``table`` names when run at ``now``."""
    operations: list[tuple[str, str]] = []
    run_scheduled(aws, function, now, record=operations)
    name = aws.function(function).environment[table]
    return {operation for operation, on in operations if on == name}


def run_erasure(aws: Deployed, now: datetime, **more: Any) -> dict[str, Any]:
    """The erasure job, run at ``now`` (``replay_since=...`` after a restore; ``run_scheduled``'s
    ``more``): its answer."""
    return run_scheduled(aws, "erasure", now, **more)  # type: ignore[no-any-return]


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
