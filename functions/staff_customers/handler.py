"""Staff access to customers (P5): lookup by blind index, masked and purpose-bound reads, each
written to the audit log."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from ongpt import services
from ongpt.api import PathId, create_app, documented, entrypoint
from ongpt.caller import staff_member
from ongpt.staff import Purpose

app = create_app()


@app.get("/v1/staff/customers", responses=documented(200, None, 404))
def lookup_customer(
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    purpose: Annotated[Purpose | None, Query()] = None,
) -> dict[str, str]:
    staff = staff_member(app.current_event.raw_event)
    found = services.staff_access().lookup(staff, email=email, phone=phone, purpose=purpose)
    return {"customer_id": found}


@app.get("/v1/staff/customers/<customer_id>", responses=documented(200, None, 404))
def read_customer(
    customer_id: PathId,
    purpose: Annotated[Purpose, Query()],
    reveal: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    staff = staff_member(app.current_event.raw_event)
    return services.staff_access().read(staff, customer_id, purpose=purpose, reveal=reveal)


lambda_handler = entrypoint(app)
