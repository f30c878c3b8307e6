"""Edit requests (P6.1): customers ask for changes to their contact details; staff decide."""

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
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
from ongpt.platform.api import PathId, create_app, documented, entrypoint, idempotent, json_response
from ongpt.platform.business_metrics import moved, queue_seen
from ongpt.platform.caller import customer_id, staff_member

app = create_app()


def _event() -> dict[str, Any]:
    return app.current_event.raw_event


@app.post("/v1/me/edit-requests", responses=documented(202, EditRequestState, 409, 413))
def create_edit_request(request: EditRequestCreate) -> Response[str]:
    me = customer_id(_event())
    created = idempotent(
        app,
        "me/edit-requests",
        request.model_dump(mode="json"),
        lambda: moved("EditRequests", services.edit_requests().create(me, request)),
    )
    return json_response(202, created)


@app.get("/v1/me/edit-requests", responses=documented(200, EditRequestList))
def list_edit_requests() -> dict[str, Any]:
    me = customer_id(_event())
    return {"edit_requests": services.edit_requests().mine(me)}


@app.get("/v1/me/edit-requests/<edit_request_id>", responses=documented(200, EditRequest, 404))
def get_edit_request(edit_request_id: PathId) -> dict[str, Any]:
    me = customer_id(_event())
    return services.edit_requests().one(me, edit_request_id)


@app.post(
    "/v1/me/edit-requests/<edit_request_id>/verification",
    responses=documented(200, EditRequestState, 404, 409, 410, 413),
)
def verify_edit_request(edit_request_id: PathId, proof: EditVerification) -> dict[str, Any]:
    me = customer_id(_event())
    return idempotent(
        app,
        f"me/edit-requests/{edit_request_id}/verification",
        proof.model_dump(mode="json"),
        lambda: moved("EditRequests", services.edit_requests().verify(me, edit_request_id, proof)),
    )


@app.post(
    "/v1/me/edit-requests/<edit_request_id>/withdraw",
    responses=documented(200, EditRequestState, 404, 409, 413),
)
def withdraw_edit_request(edit_request_id: PathId) -> dict[str, Any]:
    me = customer_id(_event())
    return idempotent(
        app,
        f"me/edit-requests/{edit_request_id}/withdraw",
        {},
        lambda: moved("EditRequests", services.edit_requests().withdraw(me, edit_request_id)),
    )


@app.get("/v1/staff/edit-requests", responses=documented(200, EditRequestQueue))
def edit_request_queue(
    status: Annotated[Literal["PENDING_REVIEW"], Query()] = "PENDING_REVIEW",
) -> dict[str, Any]:
    staff = staff_member(_event())
    queue = services.edit_requests().queue(staff)
    queue_seen("edit-requests", status, (item["created_at"] for item in queue))
    return {"status": status, "edit_requests": queue}


@app.post(
    "/v1/staff/edit-requests/<edit_request_id>/decision",
    responses=documented(200, EditRequestState, 404, 409, 413),
)
def decide_edit_request(edit_request_id: PathId, decision: Decision) -> dict[str, Any]:
    staff = staff_member(_event())
    return idempotent(
        app,
        f"staff/edit-requests/{edit_request_id}/decision",
        decision.model_dump(mode="json"),
        lambda: moved(
            "EditRequests",
            services.edit_requests().decide(
                staff, edit_request_id, decision.decision == "approve", decision.note
            ),
        ),
    )


ENVIRONMENT = (
    *env.MESSAGING,
    env.IDEMPOTENCY_TABLE,
    *env.AUDIT_APPEND,
    env.BLIND_INDEX_KEY_ID,
    env.USER_POOL_ID,
    env.SEND_LIMITS_TABLE,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
