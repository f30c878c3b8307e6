"""Registration (P1.1, P1.2): the policy in force, sign-up, verification by codes, resend."""

from ongpt import services
from ongpt.consents import policy
from ongpt.platform import settings as env
from ongpt.platform.api import PathId, create_app, documented, entrypoint
from ongpt.platform.business_metrics import moved
from ongpt.registration.models import (
    CustomerCreated,
    RegistrationAccepted,
    RegistrationRequest,
    VerificationRequest,
)

app = create_app()


@app.get("/v1/policy", responses=documented(200, policy.PolicyDocument))
def get_policy() -> policy.PolicyDocument:
    return policy.current()


@app.idempotent_post("/v1/registrations", responses=documented(202, RegistrationAccepted, 409, 413))
def start_registration(request: RegistrationRequest) -> tuple[RegistrationAccepted, int]:
    # The caller (a guest's identity, or a customer) is who sends codes: limited per hour.
    registrations = services.registrations()
    started = registrations.start(request, app.caller.id, app.retry_id)
    return moved("Registrations", started), 202


@app.idempotent_post(
    "/v1/registrations/<registration_id>/verification",
    responses=documented(201, CustomerCreated, 404, 409, 410, 413),
)
def verify_registration(
    registration_id: PathId, request: VerificationRequest
) -> tuple[CustomerCreated, int]:
    registrations = services.registrations()
    return moved("Registrations", registrations.verify(registration_id, app.retry_id, request)), 201


@app.idempotent_post(
    "/v1/registrations/<registration_id>/resend",
    responses=documented(202, RegistrationAccepted, 404, 409, 410, 413),
)
def resend_codes(registration_id: PathId) -> tuple[RegistrationAccepted, int]:
    return services.registrations().resend(registration_id, app.caller.id, app.retry_id), 202


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.GUARDS_TABLE,
    env.REGISTRATIONS_TABLE,
    *env.CUSTOMER_KEYS,
    env.IDEMPOTENCY_TABLE,
    env.USER_POOL_ID,
    env.REGISTRATION_QUEUE_URL,
    env.SEND_LIMITS_TABLE,
    *env.AUDIT_APPEND,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
