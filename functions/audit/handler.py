"""The audit log (P2.5, P5): a customer's entries, a page at a time, and the verification of their
whole chain from its newest anchor on; reading them is itself an entry of the chain."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from ongpt import services
from ongpt.audit.responses import AuditRead
from ongpt.platform import settings as env
from ongpt.platform.api import Cursor, Limit, create_app, documented_page, entrypoint
from ongpt.platform.pages import DEFAULT_LIMIT

app = create_app(cursors=services.cursors)


@app.get("/v1/staff/audit", responses=documented_page(AuditRead))
def read_audit(
    customer_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = app.page(limit, cursor)
    entries, verification = services.audit_reader().read(app.staff, customer_id, page)
    return app.paged("entries", entries, verification=verification)


ENVIRONMENT = (*env.AUDIT_APPEND, env.AUDIT_ANCHOR_BUCKET, env.PAGE_KEY_ID)
lambda_handler = entrypoint(app, ENVIRONMENT)
