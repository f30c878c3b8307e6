"""Daily renewal invitations (P3.4) for contracts 30, 7 and 1 days before expiry.

EventBridge Scheduler passes ``{"scheduled_time": ...}``: the run's clock is the time it was
scheduled for, so a retried or re-run job acts for the same day.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.clock import parse
from ongpt.platform.telemetry import logger, metrics, traced

ENVIRONMENT = (*env.NOTICES, env.JOB_DLQ_URL)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, int]:
    now = parse(str(event["scheduled_time"]))
    counts = services.contracts().send_reminders(now)
    logger.info("renewal invitations", extra=counts)
    return counts
