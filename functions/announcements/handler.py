"""Announcements (P3.3): staff post them; the fan-out worker delivers them."""

from aws_lambda_powertools.event_handler import Response

from ongpt import services
from ongpt.announcements.models import AnnouncementAccepted, AnnouncementPost
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint, idempotent, json_response
from ongpt.platform.caller import staff_member

app = create_app()


@app.post("/v1/staff/announcements", responses=documented(202, AnnouncementAccepted, 409, 413))
def post_announcement(request: AnnouncementPost) -> Response[str]:
    staff = staff_member(app.current_event.raw_event)
    posted = idempotent(
        app,
        "staff/announcements",
        request.model_dump(mode="json"),
        lambda: services.announcements().post(staff, request.kind, request.title, request.body),
    )
    return json_response(202, posted)


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.IDEMPOTENCY_TABLE,
    *env.AUDIT_APPEND,
    env.ANNOUNCEMENT_QUEUE_URL,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
