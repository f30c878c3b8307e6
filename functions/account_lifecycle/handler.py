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
    LegalHold,
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
    Cursor,
    Limit,
    PathId,
    create_app,
    documented,
    documented_page,
    entrypoint,
)
from ongpt.platform.idempotency import idempotency_key
from ongpt.platform.models import ErrorBody
from ongpt.platform.pages import DEFAULT_LIMIT

app = create_app(account_status=services.account_status, cursors=services.cursors)
# 204: no body; the errors as every route documents them.
SIGNED_OUT: dict[int, OpenAPIResponse] = {
    **documented(204, ErrorBody, 404),
    204: {"description": "Every refresh token revoked"},
}


# The customer
@app.post("/v1/me/sign-out", responses=SIGNED_OUT)
def sign_out() -> Response[None]:
    idempotency_key(app.current_event.headers)  # checked as on every POST; signing out twice is
    services.account_lifecycle().sign_out(app.customer_id)  # the same, so nothing is recorded
    return Response(status_code=204, body=None)  # no body, so no Content-Type


@app.idempotent_post("/v1/me/closure", responses=documented(202, Closing, 404, 409, 413))
def close_account(request: ClosureRequest) -> tuple[Closing, int]:
    return services.account_lifecycle().close(app.customer_id, request.reason), 202


# Recovery (guest); the caller's identity is what the codes sent are limited by
@app.idempotent_post("/v1/recoveries", responses=documented(202, RecoveryAccepted, 413))
def start_recovery(request: RecoveryRequest) -> tuple[RecoveryAccepted, int]:
    return services.recoveries().start(request, app.caller.id, app.retry_id), 202


@app.idempotent_post(
    "/v1/recoveries/<recovery_id>/resend",
    responses=documented(202, RecoveryAccepted, 404, 409, 413),
)
def resend_recovery_codes(recovery_id: PathId) -> tuple[RecoveryAccepted, int]:
    return services.recoveries().resend(recovery_id, app.caller.id, app.retry_id), 202


@app.idempotent_post(
    "/v1/recoveries/<recovery_id>/verification",
    responses=documented(200, Recovered, 404, 409, 410, 413),
)
def verify_recovery(recovery_id: PathId, request: RecoveryVerification) -> Recovered:
    return services.recoveries().verify(recovery_id, app.retry_id, request)


# Staff
@app.idempotent_post(
    "/v1/staff/accounts/<customer_id>/reactivation",
    responses=documented(200, Reactivated, 404, 409, 413),
)
def reactivate(customer_id: PathId, request: Reactivation) -> Reactivated:
    return services.account_lifecycle().reactivate(
        app.staff, customer_id, app.retry_id, request.purpose, request.note
    )


@app.idempotent_post("/v1/staff/legal-holds", responses=documented(201, HoldCreated, 404, 409, 413))
def place_hold(request: HoldRequest) -> tuple[dict[str, Any], int]:
    return services.account_lifecycle().place_hold(app.staff, app.retry_id, request), 201


@app.idempotent_post(
    "/v1/staff/legal-holds/<hold_id>/release",
    responses=documented(200, HoldReleased, 404, 409, 413),
)
def release_hold(hold_id: PathId, request: HoldRelease) -> dict[str, Any]:
    lifecycle = services.account_lifecycle()
    return lifecycle.release_hold(app.staff, hold_id, app.retry_id, request.note)


@app.get("/v1/staff/legal-holds", responses=documented_page(LegalHoldList, 404))
def list_holds(
    customer_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    holds = services.account_lifecycle().holds(app.staff, customer_id, app.page(limit, cursor))
    return app.paged("holds", holds.map(LegalHold.model_dump))


ENVIRONMENT = (
    *env.NOTICES,
    env.REGISTRATIONS_TABLE,
    env.IDEMPOTENCY_TABLE,
    env.USER_POOL_ID,
    env.RECOVERY_QUEUE_URL,
    env.SEND_LIMITS_TABLE,
    env.BLIND_INDEX_KEY_ID,
    *env.AUDIT_APPEND,
    env.PAGE_KEY_ID,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
