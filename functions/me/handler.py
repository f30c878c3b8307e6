"""The customer's own data (P3.1, GDPR 15/20): profile, export, consents, contracts, notices,
disclosures, complaints and each staff access. The customer is who API Gateway says signed the
request, never an id in input. Every list is a page (API.md v1.2)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path

from ongpt import services
from ongpt.complaints.models import CustomerComplaintList
from ongpt.consents.models import PURPOSE_MAX, Consent, ConsentChange, ConsentList
from ongpt.contracts.models import ContractList
from ongpt.customers.models import Profile
from ongpt.disclosures.models import DisclosureList
from ongpt.export.models import Export
from ongpt.notify.models import NotificationList
from ongpt.platform import settings as env
from ongpt.platform.api import (
    Cursor,
    Limit,
    create_app,
    documented,
    documented_page,
    entrypoint,
)
from ongpt.platform.pages import DEFAULT_LIMIT
from ongpt.staff.models import AccessLog

app = create_app(account_status=services.account_status, cursors=services.cursors)

# Longer than an opaque id: ``third_party_sharing:`` and a recipient of up to 64 characters.
Purpose = Annotated[str, Path(min_length=1, max_length=PURPOSE_MAX)]


@app.get("/v1/me", responses=documented(200, Profile, 404))
def get_me() -> Profile:
    return services.customers().profile(app.customer_id)


@app.get("/v1/me/notifications", responses=documented_page(NotificationList))
def get_notifications(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    page = app.page(limit, cursor)
    return app.paged("notifications", services.notice_store().of_customer(app.customer_id, page))


@app.get("/v1/me/consents", responses=documented(200, ConsentList))
def get_consents() -> dict[str, Any]:
    return {"consents": services.consents().current(app.customer_id)}


@app.put("/v1/me/consents/<purpose>", responses=documented(200, Consent, 404, 409, 413))
def put_consent(purpose: Purpose, change: ConsentChange) -> dict[str, Any]:
    return services.consents().set(app.customer_id, purpose, change.granted)


@app.get("/v1/me/contracts", responses=documented_page(ContractList))
def get_contracts(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    page = app.page(limit, cursor)
    return app.paged("contracts", services.contracts().of_customer(app.customer_id, page))


@app.get("/v1/me/disclosures", responses=documented_page(DisclosureList))
def get_disclosures(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    page = app.page(limit, cursor)
    disclosures = services.disclosures().visible_to_customer(app.customer_id, page)
    return app.paged("disclosures", disclosures)


@app.get("/v1/me/complaints", responses=documented_page(CustomerComplaintList))
def get_complaints(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    page = app.page(limit, cursor)
    return app.paged("complaints", services.complaints().of_customer(app.customer_id, page))


@app.get("/v1/me/access-log", responses=documented_page(AccessLog))
def get_access_log(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    page = app.page(limit, cursor)
    return app.paged("access_log", services.audit_log().accesses(app.customer_id, page))


@app.get("/v1/me/export", responses=documented(200, Export, 404))
def get_export() -> dict[str, Any]:
    return services.exports().everything(app.customer_id)


ENVIRONMENT = (env.CUSTOMERS_TABLE, *env.CUSTOMER_KEYS, *env.AUDIT_APPEND, env.PAGE_KEY_ID)
lambda_handler = entrypoint(app, ENVIRONMENT)
