"""Hourly anchors of the audit chains' heads in write-once storage (P2.5, P5).

EventBridge Scheduler passes ``{"scheduled_time": ...}``: the run reads the chains written to in
the two hours before it, so a late entry or a failed run is caught by the next. Its continuation
schedule passes ``{"continue": true}`` too: it goes on with the passes left (``ongpt.jobs``).
The answer counts this invocation's work and says ``more`` while passes are left.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.jobs.service import Budget, scheduled_pass
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger, metrics, traced

ENVIRONMENT = (env.AUDIT_TABLE, env.AUDIT_KEY_ID, env.AUDIT_ANCHOR_BUCKET, *env.JOB_RUNS)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int | bool]:
    counts = services.anchor_job().run(scheduled_pass(event), Budget.of(context))
    metrics.add_metric(
        name="AuditChainsUnverified", unit=MetricUnit.Count, value=int(counts["unverified"])
    )
    logger.info("audit anchors", extra=counts)
    return counts
