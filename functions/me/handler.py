"""The customer's own data (P3.1, GDPR 15/20): profile, export, consents, contracts, notices,
disclosures. The customer is who API Gateway says signed the request, never an id in input."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path

from ongpt import services
from ongpt.consents.models import PURPOSE_MAX, Consent, ConsentChange, ConsentList
from ongpt.contracts.models import ContractList
from ongpt.customers import export
from ongpt.customers.models import Export, Profile
from ongpt.disclosures.models import DisclosureList
from ongpt.notify.models import NotificationList
from ongpt.platform import settings as env
from ongpt.platform.api import create_app, documented, entrypoint

app = create_app(account_status=services.account_status)

# Longer than an opaque id: ``third_party_sharing:`` and a recipient of up to 64 characters.
Purpose = Annotated[str, Path(min_length=1, max_length=PURPOSE_MAX)]


@app.get("/v1/me", responses=documented(200, Profile, 404))
def get_me() -> Profile:
    return services.customers().profile(app.customer_id)


@app.get("/v1/me/notifications", responses=documented(200, NotificationList))
def get_notifications() -> dict[str, Any]:
    return {"notifications": services.notice_store().of_customer(app.customer_id)}


@app.get("/v1/me/consents", responses=documented(200, ConsentList))
def get_consents() -> dict[str, Any]:
    return {"consents": services.consents().current(app.customer_id)}


@app.put("/v1/me/consents/<purpose>", responses=documented(200, Consent, 404, 409, 413))
def put_consent(purpose: Purpose, change: ConsentChange) -> dict[str, Any]:
    return services.consents().set(app.customer_id, purpose, change.granted)


@app.get("/v1/me/contracts", responses=documented(200, ContractList))
def get_contracts() -> dict[str, Any]:
    return {"contracts": services.contracts().of_customer(app.customer_id)}


@app.get("/v1/me/disclosures", responses=documented(200, DisclosureList))
def get_disclosures() -> dict[str, Any]:
    return {"disclosures": services.disclosures().visible_to_customer(app.customer_id)}


@app.get("/v1/me/export", responses=documented(200, Export, 404))
def get_export() -> dict[str, Any]:
    return export.everything(app.customer_id)


ENVIRONMENT = (env.CUSTOMERS_TABLE, *env.CUSTOMER_KEYS, *env.AUDIT_APPEND)
lambda_handler = entrypoint(app, ENVIRONMENT)
