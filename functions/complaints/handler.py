"""Complaints (P6.2, P3.6): anyone files one; staff move it to a resolution."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from ongpt import services
from ongpt.complaints.models import (
    ComplaintFile,
    ComplaintQueue,
    ComplaintState,
    ComplaintStatus,
    ComplaintUpdate,
)
from ongpt.platform import settings as env
from ongpt.platform.api import (
    Cursor,
    Limit,
    PathId,
    create_app,
    documented,
    documented_page,
    entrypoint,
)
from ongpt.platform.business_metrics import moved, queue_seen
from ongpt.platform.pages import DEFAULT_LIMIT

app = create_app(account_status=services.account_status, cursors=services.cursors)


@app.idempotent_post("/v1/complaints", responses=documented(201, ComplaintState, 409, 413))
def file_complaint(complaint: ComplaintFile) -> tuple[dict[str, Any], int]:
    return moved("Complaints", services.complaints().file(app.caller, app.retry_id, complaint)), 201


@app.get("/v1/staff/complaints", responses=documented_page(ComplaintQueue))
def list_complaints(
    status: Annotated[ComplaintStatus, Query()] = "OPEN",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = app.page(limit, cursor)
    queue = services.complaints().queue(app.staff, status, page)
    queue_seen("complaints", status, page, queue)
    return app.paged("complaints", queue, status=status)


@app.patch(
    "/v1/staff/complaints/<complaint_id>",
    responses=documented(200, ComplaintState, 404, 409, 413),
)
def update_complaint(complaint_id: PathId, update: ComplaintUpdate) -> dict[str, Any]:
    complaints = services.complaints()
    return moved(
        "Complaints", complaints.update(app.staff, complaint_id, update.status, update.resolution)
    )


ENVIRONMENT = (
    *env.NOTICES,
    env.IDEMPOTENCY_TABLE,
    *env.AUDIT_APPEND,
    env.SEND_LIMITS_TABLE,
    env.PAGE_KEY_ID,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
