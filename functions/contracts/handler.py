"""Contracts (P3.2): staff create and renew them; the customer gets a confirmation."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ongpt import services
from ongpt.contracts.models import ContractCreate, ContractCreated, ContractRenewal, ContractRenewed
from ongpt.platform import settings as env
from ongpt.platform.api import PathId, create_app, documented, entrypoint, idempotent, json_response
from ongpt.platform.caller import staff_member

app = create_app()


@app.post("/v1/staff/contracts", responses=documented(201, ContractCreated, 404, 409, 413))
def create_contract(request: ContractCreate) -> Response[str]:
    staff = staff_member(app.current_event.raw_event)
    created = idempotent(
        app,
        "staff/contracts",
        request.model_dump(mode="json"),
        lambda: services.contracts().create(staff, request),
    )
    return json_response(201, created)


@app.post(
    "/v1/staff/contracts/<contract_id>/renewal",
    responses=documented(200, ContractRenewed, 404, 409, 413),
)
def renew_contract(contract_id: PathId, request: ContractRenewal) -> dict[str, Any]:
    staff = staff_member(app.current_event.raw_event)
    return idempotent(
        app,
        f"staff/contracts/{contract_id}/renewal",
        request.model_dump(mode="json"),
        lambda: services.contracts().renew(staff, contract_id, request.expires_at),
    )


ENVIRONMENT = (*env.MESSAGING, env.IDEMPOTENCY_TABLE, *env.AUDIT_APPEND)
lambda_handler = entrypoint(app, ENVIRONMENT)
