"""Registration (P1.1, P1.2): the policy in force, sign-up, verification by codes, resend."""

from aws_lambda_powertools.event_handler import Response

from ongpt import services
from ongpt.consents import policy
from ongpt.platform import settings as env
from ongpt.platform.api import PathId, create_app, documented, entrypoint, idempotent, json_response
from ongpt.platform.business_metrics import moved
from ongpt.platform.caller import caller
from ongpt.registration.models import (
    CustomerCreated,
    RegistrationAccepted,
    RegistrationRequest,
    VerificationRequest,
)

app = create_app()


def _caller_id() -> str:
    """The guest's identity (or the customer) that sends codes: limited per hour."""
    return caller(app.current_event.raw_event).id


@app.get("/v1/policy", responses=documented(200, policy.PolicyDocument))
def get_policy() -> policy.PolicyDocument:
    return policy.current()


@app.post("/v1/registrations", responses=documented(202, RegistrationAccepted, 409, 413))
def start_registration(request: RegistrationRequest) -> Response[str]:
    accepted = idempotent(
        app,
        "registrations",
        request.model_dump(mode="json"),
        lambda: moved(
            "Registrations", services.registrations().start(request, _caller_id()).model_dump()
        ),
    )
    return json_response(202, accepted)


@app.post(
    "/v1/registrations/<registration_id>/verification",
    responses=documented(201, CustomerCreated, 404, 409, 410, 413),
)
def verify_registration(registration_id: PathId, request: VerificationRequest) -> Response[str]:
    created = idempotent(
        app,
        f"registrations/{registration_id}/verification",
        {"email_code": request.email_code, "phone_code": request.phone_code},  # not the password
        lambda: moved(
            "Registrations", services.registrations().verify(registration_id, request).model_dump()
        ),
    )
    return json_response(201, created)


@app.post(
    "/v1/registrations/<registration_id>/resend",
    responses=documented(202, RegistrationAccepted, 404, 409, 410, 413),
)
def resend_codes(registration_id: PathId) -> Response[str]:
    accepted = idempotent(
        app,
        f"registrations/{registration_id}/resend",
        {},
        lambda: services.registrations().resend(registration_id, _caller_id()).model_dump(),
    )
    return json_response(202, accepted)


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.REGISTRATIONS_TABLE,
    *env.CUSTOMER_KEYS,
    env.IDEMPOTENCY_TABLE,
    env.USER_POOL_ID,
    env.REGISTRATION_QUEUE_URL,
    env.SEND_LIMITS_TABLE,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
