"""Staff access to customers (P5): search by blind index (the address in the body, never in a
URL) and masked reads, each for a named purpose and written to the audit log first."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from ongpt import services
from ongpt.platform import settings as env
from ongpt.platform.api import PathId, create_app, documented, entrypoint
from ongpt.staff.models import CustomerFound, CustomerSearch, CustomerView, Purpose

app = create_app()


@app.idempotent_post(
    "/v1/staff/customers/search", responses=documented(200, CustomerFound, 404, 409, 413)
)
def search_customer(search: CustomerSearch) -> dict[str, str]:
    return services.staff_access().search(app.staff, search)


@app.get("/v1/staff/customers/<customer_id>", responses=documented(200, CustomerView, 404, 410))
def read_customer(
    customer_id: PathId,
    purpose: Annotated[Purpose, Query()],
    reveal: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    return services.staff_access().read(app.staff, customer_id, purpose=purpose, reveal=reveal)


ENVIRONMENT = (
    env.CUSTOMERS_TABLE,
    env.GUARDS_TABLE,
    *env.CUSTOMER_KEYS,
    env.IDEMPOTENCY_TABLE,
    *env.AUDIT_APPEND,
    env.BLIND_INDEX_KEY_ID,
)
lambda_handler = entrypoint(app, ENVIRONMENT)
