"""Disclosures (P3.7, P5): every disclosure to a third party or an authority, recorded."""

from typing import Any

from ongpt import services
from ongpt.disclosures.models import DisclosureRecord, DisclosureRecorded
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint

app = create_app()


@app.idempotent_post(
    "/v1/staff/disclosures", responses=documented(201, DisclosureRecorded, 404, 409, 413)
)
def record_disclosure(request: DisclosureRecord) -> tuple[dict[str, Any], int]:
    return services.disclosures().record(app.staff, app.retry_id, request), 201


ENVIRONMENT = (env.CUSTOMERS_TABLE, env.IDEMPOTENCY_TABLE, *env.AUDIT_APPEND)
lambda_handler = entrypoint(app, ENVIRONMENT)
