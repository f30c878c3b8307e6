"""Web analytics (P1.3): page visits stored apart from, and unlinked to, personal data."""

from aws_lambda_powertools.event_handler import Response

from ongpt import services
from ongpt.analytics.models import AnalyticsBatch, EventsAccepted
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint, idempotent, json_response

app = create_app()


@app.post("/v1/analytics/events", responses=documented(202, EventsAccepted, 409, 413))
def accept_events(batch: AnalyticsBatch) -> Response[str]:
    identity = app.current_event.request_context.identity
    accepted = idempotent(
        app,
        "analytics/events",
        batch.model_dump(mode="json"),
        lambda: {
            "accepted": services.analytics().accept(
                batch.events, identity.source_ip, identity.user_agent
            )
        },
    )
    return json_response(202, accepted)


ENVIRONMENT = (env.ANALYTICS_TABLE, env.IDEMPOTENCY_TABLE)
lambda_handler = entrypoint(app, ENVIRONMENT)
