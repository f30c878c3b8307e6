"""Announcements (P3.3): staff post them; the fan-out worker delivers them."""

from typing import Any

from ongpt import services
from ongpt.announcements.models import (
    AnnouncementAccepted,
    AnnouncementPost,
    AnnouncementProgress,
)
from ongpt.platform import settings as env
from ongpt.platform.api import PathId, create_app, documented, entrypoint

app = create_app()


@app.idempotent_post(
    "/v1/staff/announcements", responses=documented(202, AnnouncementAccepted, 409, 413)
)
def post_announcement(request: AnnouncementPost) -> tuple[dict[str, Any], int]:
    posted = services.announcements().post(
        app.staff, app.retry_id, request.kind, request.title, request.body
    )
    return posted, 202


@app.get(
    "/v1/staff/announcements/<announcement_id>",
    responses=documented(200, AnnouncementProgress, 404),
)
def get_announcement(announcement_id: PathId) -> dict[str, Any]:
    return services.announcements().progress(announcement_id)


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.IDEMPOTENCY_TABLE,
    *env.AUDIT_APPEND,
    env.ANNOUNCEMENT_QUEUE_URL,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
