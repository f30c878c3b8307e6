"""The account's lifecycle (API.md, Account lifecycle): sign-out everywhere, recovery by a guest
who proves both addresses, closure with a grace period, reactivation by staff, legal holds.

A function of its own: it alone holds the Cognito grants that sign customers out, disable and
enable them, set their password and remove their authenticator app.
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from ongpt import services
from ongpt.lifecycle.models import (
    Closing,
    ClosureRequest,
    HoldCreated,
    HoldRelease,
    HoldReleased,
    HoldRequest,
    LegalHoldList,
    Reactivated,
    Reactivation,
    Recovered,
    RecoveryAccepted,
    RecoveryRequest,
    RecoveryVerification,
)
from ongpt.platform import settings as env
from ongpt.platform.api import (
    PathId,
    create_app,
    documented,
    entrypoint,
    idempotent,
    json_response,
)
from ongpt.platform.caller import caller, customer_id, staff_member
from ongpt.platform.models import ErrorBody

app = create_app()
# 204: no body; the errors as every route documents them.
SIGNED_OUT: dict[int, OpenAPIResponse] = {
    **documented(204, ErrorBody, 404),
    204: {"description": "Every refresh token revoked"},
}


def _caller_id() -> str:
    """The guest's identity (or the customer) that asks for codes: limited per hour."""
    return caller(app.current_event.raw_event).id


# The customer
@app.post("/v1/me/sign-out", responses=SIGNED_OUT)
def sign_out() -> Response[None]:
    who = customer_id(app.current_event.raw_event)

    def signed_out() -> dict[str, Any]:
        services.account_lifecycle().sign_out(who)
        return {}

    idempotent(app, "sign-out", {}, signed_out)  # a retry signs out again: same answer
    return Response(status_code=204, body=None)  # no body, so no Content-Type


@app.post("/v1/me/closure", responses=documented(202, Closing, 404, 409, 413))
def close_account(request: ClosureRequest) -> Response[str]:
    who = customer_id(app.current_event.raw_event)
    closing = idempotent(
        app,
        "me/closure",
        request.model_dump(mode="json"),
        lambda: services.account_lifecycle().close(who, request.reason).model_dump(),
    )
    return json_response(202, closing)


# Recovery (guest)
@app.post("/v1/recoveries", responses=documented(202, RecoveryAccepted, 413))
def start_recovery(request: RecoveryRequest) -> Response[str]:
    accepted = idempotent(
        app,
        "recoveries",
        request.model_dump(mode="json"),
        lambda: services.recoveries().start(request, _caller_id()).model_dump(),
    )
    return json_response(202, accepted)


@app.post(
    "/v1/recoveries/<recovery_id>/resend",
    responses=documented(202, RecoveryAccepted, 404, 409, 413),
)
def resend_recovery_codes(recovery_id: PathId) -> Response[str]:
    accepted = idempotent(
        app,
        f"recoveries/{recovery_id}/resend",
        {},
        lambda: services.recoveries().resend(recovery_id, _caller_id()).model_dump(),
    )
    return json_response(202, accepted)


@app.post(
    "/v1/recoveries/<recovery_id>/verification",
    responses=documented(200, Recovered, 404, 409, 410, 413),
)
def verify_recovery(recovery_id: PathId, request: RecoveryVerification) -> Response[str]:
    recovered = idempotent(
        app,
        f"recoveries/{recovery_id}/verification",
        # not the password
        {"email_code": request.email_code, "phone_code": request.phone_code},
        lambda: services.recoveries().verify(recovery_id, request).model_dump(),
    )
    return json_response(200, recovered)


# Staff
@app.post(
    "/v1/staff/accounts/<customer_id>/reactivation",
    responses=documented(200, Reactivated, 404, 409, 413),
)
def reactivate(customer_id: PathId, request: Reactivation) -> Response[str]:
    staff = staff_member(app.current_event.raw_event)
    lifecycle = services.account_lifecycle()
    reactivated = idempotent(
        app,
        f"staff/accounts/{customer_id}/reactivation",
        request.model_dump(mode="json"),
        lambda: lifecycle.reactivate(
            staff, customer_id, request.purpose, request.note
        ).model_dump(),
    )
    return json_response(200, reactivated)


@app.post("/v1/staff/legal-holds", responses=documented(201, HoldCreated, 404, 413))
def place_hold(request: HoldRequest) -> Response[str]:
    staff = staff_member(app.current_event.raw_event)
    created = idempotent(
        app,
        "staff/legal-holds",
        request.model_dump(mode="json"),
        lambda: services.account_lifecycle().place_hold(staff, request),
    )
    return json_response(201, created)


@app.post(
    "/v1/staff/legal-holds/<hold_id>/release",
    responses=documented(200, HoldReleased, 404, 409, 413),
)
def release_hold(hold_id: PathId, request: HoldRelease) -> Response[str]:
    staff = staff_member(app.current_event.raw_event)
    released = idempotent(
        app,
        f"staff/legal-holds/{hold_id}/release",
        request.model_dump(mode="json"),
        lambda: services.account_lifecycle().release_hold(staff, hold_id, request.note),
    )
    return json_response(200, released)


@app.get("/v1/staff/legal-holds", responses=documented(200, LegalHoldList, 404))
def list_holds(
    customer_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> dict[str, Any]:
    staff = staff_member(app.current_event.raw_event)
    holds = services.account_lifecycle().holds(staff, customer_id)
    return {"holds": [hold.model_dump() for hold in holds]}


ENVIRONMENT = (
    *env.MESSAGING,
    env.REGISTRATIONS_TABLE,
    env.IDEMPOTENCY_TABLE,
    env.USER_POOL_ID,
    env.RECOVERY_QUEUE_URL,
    env.SEND_LIMITS_TABLE,
    env.BLIND_INDEX_KEY_ID,
    *env.AUDIT_APPEND,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
