"""Daily renewal invitations (P3.4) for contracts 30, 7 and 1 days before expiry.

EventBridge Scheduler passes ``{"scheduled_time": ...}``: the run's clock is the time it was
scheduled for, so a retried or re-run job acts for the same day. Its continuation schedule
passes ``{"continue": true}`` too: it goes on with the days' passes left (``ongpt.jobs``). The
answer counts this invocation's work and says ``more`` while passes are left.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.jobs.service import Budget, scheduled_pass
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger, metrics, traced

ENVIRONMENT = (*env.NOTICES, *env.JOB_RUNS, env.JOB_DLQ_URL)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int | bool]:
    counts = services.reminders().run(scheduled_pass(event), Budget.of(context))
    logger.info("renewal invitations", extra=counts)
    return counts
