"""Web analytics (P1.3): page visits stored apart from, and unlinked to, personal data."""

from typing import Any

from ongpt import services
from ongpt.analytics.models import AnalyticsBatch, EventsAccepted
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint
from ongpt.platform.idempotency import idempotency_key

app = create_app()


@app.idempotent_post("/v1/analytics/events", responses=documented(202, EventsAccepted, 409, 413))
def accept_events(batch: AnalyticsBatch) -> tuple[dict[str, Any], int]:
    identity = app.current_event.request_context.identity
    return {
        "accepted": services.analytics().accept(
            idempotency_key(app.current_event.headers),
            batch.events,
            identity.source_ip,
            identity.user_agent,
        )
    }, 202


ENVIRONMENT = (env.ANALYTICS_TABLE, env.IDEMPOTENCY_TABLE)
lambda_handler = entrypoint(app, ENVIRONMENT)
