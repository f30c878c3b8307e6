"""Hourly anchors of the audit chains' heads in write-once storage (P2.5, P5).

EventBridge Scheduler passes ``{"scheduled_time": ...}``: the run reads the chains written to in
the two hours before it, so a late entry or a failed run is caught by the next.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.clock import parse
from ongpt.platform.telemetry import logger, metrics, traced

ENVIRONMENT = (env.AUDIT_TABLE, env.AUDIT_KEY_ID, env.AUDIT_ANCHOR_BUCKET)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
@traced
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, int]:
    counts = services.anchor_job().run(parse(str(event["scheduled_time"])))
    metrics.add_metric(
        name="AuditChainsUnverified", unit=MetricUnit.Count, value=counts["unverified"]
    )
    logger.info("audit anchors", extra=counts)
    return counts
