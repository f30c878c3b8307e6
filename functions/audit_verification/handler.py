"""Daily verification of the audit chains written to since the last run (P2.5, P5).

EventBridge Scheduler passes ``{"scheduled_time": ...}``; its continuation schedule passes
``{"continue": true}`` too: it goes on with the passes left (``ongpt.jobs``). The metric
``AuditChainsBroken`` (0 on a clean run) raises the alarm of the same name; the answer names the
broken chains this invocation found, and says ``more`` while passes are left.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt import services
from ongpt.audit.verification import AuditVerificationJob
from ongpt.jobs.service import Budget, scheduled_pass
from ongpt.platform import settings as env
from ongpt.platform.telemetry import logger, metrics

ENVIRONMENT = (env.AUDIT_TABLE, env.AUDIT_KEY_ID, env.AUDIT_ANCHOR_BUCKET, *env.JOB_RUNS)
env.require(ENVIRONMENT)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    job = AuditVerificationJob(
        services.audit_log(), services.audit_verifier(), services.job_passes()
    )
    report = job.run(scheduled_pass(event), Budget.of(context))
    metrics.add_metric(name="AuditChainsVerified", unit=MetricUnit.Count, value=report.verified)
    metrics.add_metric(name="AuditChainsBroken", unit=MetricUnit.Count, value=len(report.broken))
    if report.broken:
        logger.error(
            "audit chains broken", extra={"code": "AUDIT_CHAIN_BROKEN", "count": len(report.broken)}
        )
    logger.info("audit verification", extra={"verified": report.verified})
    return report.as_answer()
