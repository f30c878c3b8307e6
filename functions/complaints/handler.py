"""Complaints (P6.2, P3.6): anyone files one; staff move it to a resolution."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
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
from ongpt.platform.api import PathId, create_app, documented, entrypoint, idempotent, json_response
from ongpt.platform.business_metrics import moved, queue_seen
from ongpt.platform.caller import caller, staff_member

app = create_app()


@app.post("/v1/complaints", responses=documented(201, ComplaintState, 409, 413))
def file_complaint(complaint: ComplaintFile) -> Response[str]:
    who = caller(app.current_event.raw_event)
    filed = idempotent(
        app,
        "complaints",
        complaint.model_dump(mode="json"),
        lambda: moved("Complaints", services.complaints().file(who, complaint)),
    )
    return json_response(201, filed)


@app.get("/v1/staff/complaints", responses=documented(200, ComplaintQueue))
def list_complaints(
    status: Annotated[ComplaintStatus, Query()] = "OPEN",
) -> dict[str, Any]:
    staff = staff_member(app.current_event.raw_event)
    queue = services.complaints().queue(staff, status)
    queue_seen("complaints", status, (item["created_at"] for item in queue))
    return {"status": status, "complaints": queue}


@app.patch(
    "/v1/staff/complaints/<complaint_id>",
    responses=documented(200, ComplaintState, 404, 409, 413),
)
def update_complaint(complaint_id: PathId, update: ComplaintUpdate) -> dict[str, Any]:
    staff = staff_member(app.current_event.raw_event)
    return moved(
        "Complaints",
        services.complaints().update(staff, complaint_id, update.status, update.resolution),
    )


ENVIRONMENT = (*env.MESSAGING, env.IDEMPOTENCY_TABLE, *env.AUDIT_APPEND)
lambda_handler = entrypoint(app, ENVIRONMENT)
