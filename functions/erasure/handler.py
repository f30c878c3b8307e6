"""Daily erasure of accounts closed past their grace period (API.md, *Erasure*; GDPR 17).

EventBridge Scheduler passes ``{"scheduled_time": ...}``: the run's clock is the time it was
scheduled for. After a restore from backup, an operator invokes it with
``{"scheduled_time": <now>, "replay_since": <the restore point>}`` (docs/restore.md).

The admins' dashboard shows each run's ``ErasuresDue`` (accounts past their grace period),
``ErasuresDone`` and ``ErasuresHeld`` (due, but under a legal hold).
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
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
)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, int]:
    now = parse(str(event["scheduled_time"]))
    if "replay_since" in event:
        counts = services.erasure().replay(parse(str(event["replay_since"])), now)
    else:
        counts = services.erasure().run(now)
        erased, held = counts["erased"], counts["held"]
        for name, value in (("Due", erased + held), ("Done", erased), ("Held", held)):
            metrics.add_metric(name=f"Erasures{name}", unit=MetricUnit.Count, value=value)
    logger.info("erasure", extra=counts)
    return counts
