"""Daily renewal invitations (P3.4) for contracts 30, 7 and 1 days before expiry."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ongpt.errors import NotImplementedYet
from ongpt.telemetry import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(_event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    raise NotImplementedYet("Renewal reminders are not available yet.")
