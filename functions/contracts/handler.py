"""Contracts (P3.2): staff create and renew them; the customer gets a confirmation."""

from typing import Any

from ongpt import services
from ongpt.contracts.models import ContractCreate, ContractCreated, ContractRenewal, ContractRenewed
from ongpt.platform import settings as env
from ongpt.platform.api import PathId, create_app, documented, entrypoint

app = create_app()


@app.idempotent_post(
    "/v1/staff/contracts", responses=documented(201, ContractCreated, 404, 409, 413)
)
def create_contract(request: ContractCreate) -> tuple[dict[str, Any], int]:
    return services.contracts().create(app.staff, app.retry_id, request), 201


@app.idempotent_post(
    "/v1/staff/contracts/<contract_id>/renewal",
    responses=documented(200, ContractRenewed, 404, 409, 413),
)
def renew_contract(contract_id: PathId, request: ContractRenewal) -> dict[str, Any]:
    return services.contracts().renew(app.staff, contract_id, app.retry_id, request.expires_at)


ENVIRONMENT = (*env.NOTICES, env.IDEMPOTENCY_TABLE, *env.AUDIT_APPEND)
lambda_handler = entrypoint(app, ENVIRONMENT)
