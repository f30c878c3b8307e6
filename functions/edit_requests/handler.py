"""Edit requests (P6.1): customers ask for changes to their contact details; staff decide."""

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from ongpt import services
from ongpt.edits.models import (
    Decision,
    EditRequest,
    EditRequestCreate,
    EditRequestList,
    EditRequestQueue,
    EditRequestState,
    EditVerification,
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


@app.idempotent_post("/v1/me/edit-requests", responses=documented(202, EditRequestState, 409, 413))
def create_edit_request(request: EditRequestCreate) -> tuple[dict[str, Any], int]:
    filed = services.edit_requests().create(app.customer_id, app.retry_id, request)
    return moved("EditRequests", filed), 202


@app.get("/v1/me/edit-requests", responses=documented_page(EditRequestList))
def list_edit_requests(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    page = app.page(limit, cursor)
    return app.paged("edit_requests", services.edit_requests().mine(app.customer_id, page))


@app.get("/v1/me/edit-requests/<edit_request_id>", responses=documented(200, EditRequest, 404))
def get_edit_request(edit_request_id: PathId) -> dict[str, Any]:
    return services.edit_requests().one(app.customer_id, edit_request_id)


@app.idempotent_post(
    "/v1/me/edit-requests/<edit_request_id>/verification",
    responses=documented(200, EditRequestState, 404, 409, 410, 413),
)
def verify_edit_request(edit_request_id: PathId, proof: EditVerification) -> dict[str, Any]:
    edits = services.edit_requests()
    return moved(
        "EditRequests", edits.verify(app.customer_id, edit_request_id, app.retry_id, proof)
    )


@app.idempotent_post(
    "/v1/me/edit-requests/<edit_request_id>/withdraw",
    responses=documented(200, EditRequestState, 404, 409, 413),
)
def withdraw_edit_request(edit_request_id: PathId) -> dict[str, Any]:
    edits = services.edit_requests()
    return moved("EditRequests", edits.withdraw(app.customer_id, edit_request_id, app.retry_id))


@app.get("/v1/staff/edit-requests", responses=documented_page(EditRequestQueue))
def edit_request_queue(
    status: Annotated[Literal["PENDING_REVIEW"], Query()] = "PENDING_REVIEW",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = app.page(limit, cursor)
    queue = services.edit_requests().queue(app.staff, page)
    queue_seen("edit-requests", status, page, queue)
    return app.paged("edit_requests", queue, status=status)


@app.idempotent_post(
    "/v1/staff/edit-requests/<edit_request_id>/decision",
    responses=documented(200, EditRequestState, 404, 409, 413),
)
def decide_edit_request(edit_request_id: PathId, decision: Decision) -> dict[str, Any]:
    approve = decision.decision == "approve"
    edits = services.edit_requests()
    decided = edits.decide(app.staff, edit_request_id, approve, decision.note, app.retry_id)
    return moved("EditRequests", decided)


ENVIRONMENT = (
    *env.MESSAGING,
    env.GUARDS_TABLE,
    env.OUTBOX_TABLE,
    env.IDEMPOTENCY_TABLE,
    *env.AUDIT_APPEND,
    env.BLIND_INDEX_KEY_ID,
    env.USER_POOL_ID,
    env.SEND_LIMITS_TABLE,
    env.PAGE_KEY_ID,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
