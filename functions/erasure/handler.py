"""Daily erasure of accounts closed past their grace period (API.md, *Erasure*; GDPR 17).

EventBridge Scheduler passes ``{"scheduled_time": ...}``: the run's clock is the time it was
scheduled for. Its continuation schedule passes ``{"continue": true}`` too: it goes on with the
passes left (``ongpt.jobs``). After a restore from backup, an operator invokes it with
``{"scheduled_time": <now>, "replay_since": <the restore point>}`` (docs/restore.md); the
continuation finishes that replay too. The answer counts this invocation's work and says
``more`` while passes are left.

The admins' dashboard shows ``ErasuresDue`` (accounts past their grace period), ``ErasuresDone``
and ``ErasuresHeld`` (due, but under a legal hold), summed over the invocations.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.jobs.service import Budget, scheduled_pass
from ongpt.platform import settings as env
from ongpt.platform.clock import parse
from ongpt.platform.telemetry import logger, metrics

ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.GUARDS_TABLE,
    env.DATA_KEYS_TABLE,
    env.ERASURES_TABLE,
    env.USER_POOL_ID,
    *env.AUDIT_APPEND,
    *env.JOB_RUNS,
)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int | bool]:
    now, replay_since = parse(str(event["scheduled_time"])), event.get("replay_since")
    counts = services.erasure().run(
        None if replay_since else scheduled_pass(event),
        now,
        Budget.of(context),
        replay_since=parse(str(replay_since)) if replay_since else None,
    )
    erased, held = int(counts["erased"]), int(counts["held"])
    for name, value in (("Due", erased + held), ("Done", erased), ("Held", held)):
        metrics.add_metric(name=f"Erasures{name}", unit=MetricUnit.Count, value=value)
    logger.info("erasure", extra=counts)
    return counts
