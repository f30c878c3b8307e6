"""The audit log (P2.5, P5): a customer's entries and the verification of their chain against
its newest anchor and the audit key; reading them is itself an entry of the chain."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from ongpt import services
from ongpt.audit.models import AuditRead
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint

app = create_app()


@app.get("/v1/staff/audit", responses=documented(200, AuditRead))
def read_audit(customer_id: Annotated[str, Query(min_length=1, max_length=64)]) -> dict[str, Any]:
    return services.audit_reader().read(app.staff, customer_id)


ENVIRONMENT = (*env.AUDIT_APPEND, env.AUDIT_ANCHOR_BUCKET)
lambda_handler = entrypoint(app, ENVIRONMENT)
