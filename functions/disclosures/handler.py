"""Disclosures (P3.7, P5): every disclosure to a third party or an authority, recorded."""

from aws_lambda_powertools.event_handler import Response

from ongpt import services
from ongpt.disclosures.models import DisclosureRecord, DisclosureRecorded
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint, idempotent, json_response
from ongpt.platform.caller import staff_member

app = create_app()


@app.post("/v1/staff/disclosures", responses=documented(201, DisclosureRecorded, 404, 409, 413))
def record_disclosure(request: DisclosureRecord) -> Response[str]:
    staff = staff_member(app.current_event.raw_event)
    recorded = idempotent(
        app,
        "staff/disclosures",
        request.model_dump(mode="json"),
        lambda: services.disclosures().record(staff, request),
    )
    return json_response(201, recorded)


ENVIRONMENT = (env.CUSTOMERS_TABLE, env.IDEMPOTENCY_TABLE, *env.AUDIT_APPEND)
lambda_handler = entrypoint(app, ENVIRONMENT)
