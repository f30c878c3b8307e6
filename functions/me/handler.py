"""The customer's own data (P3.1, GDPR 15/20): profile, export, consents, contracts, notices,
disclosures. The customer is who API Gateway says signed the request, never an id in input."""

from typing import Any

from ongpt import export, services
from ongpt.api import create_app, entrypoint
from ongpt.caller import customer_id
from ongpt.models import ConsentChange, Profile

app = create_app()


@app.get("/v1/me")
def get_me() -> Profile:
    caller_id = customer_id(app.current_event.raw_event)
    return services.customers().profile(caller_id)


@app.get("/v1/me/notifications")
def get_notifications() -> dict[str, Any]:
    caller_id = customer_id(app.current_event.raw_event)
    return {"notifications": services.notices().of_customer(caller_id)}


@app.get("/v1/me/consents")
def get_consents() -> dict[str, Any]:
    caller_id = customer_id(app.current_event.raw_event)
    return {"consents": services.consents().current(caller_id)}


@app.put("/v1/me/consents/<purpose>")
def put_consent(purpose: str, change: ConsentChange) -> dict[str, Any]:
    caller_id = customer_id(app.current_event.raw_event)
    return services.consents().set(caller_id, purpose, change.granted)


@app.get("/v1/me/contracts")
def get_contracts() -> dict[str, Any]:
    caller_id = customer_id(app.current_event.raw_event)
    return {"contracts": services.contracts().of_customer(caller_id)}


@app.get("/v1/me/disclosures")
def get_disclosures() -> dict[str, Any]:
    caller_id = customer_id(app.current_event.raw_event)
    return {"disclosures": services.disclosures().visible_to_customer(caller_id)}


@app.get("/v1/me/export")
def get_export() -> dict[str, Any]:
    caller_id = customer_id(app.current_event.raw_event)
    return export.everything(caller_id)


lambda_handler = entrypoint(app)
