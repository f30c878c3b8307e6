"""What API.md says of its routes: every /v1 route, and who may invoke each (written out, not
derived from the code or the template, so that tests compare the two)."""

from __future__ import annotations

import re

API_MD_ROUTES = {  # API.md, every /v1 route
    ("GET", "/v1/policy"),
    ("POST", "/v1/registrations"),
    ("POST", "/v1/registrations/{registration_id}/verification"),
    ("POST", "/v1/registrations/{registration_id}/resend"),
    ("POST", "/v1/analytics/events"),
    ("POST", "/v1/complaints"),
    ("GET", "/v1/me"),
    ("GET", "/v1/me/export"),
    ("GET", "/v1/me/consents"),
    ("PUT", "/v1/me/consents/{purpose}"),
    ("POST", "/v1/me/edit-requests"),
    ("POST", "/v1/me/edit-requests/{edit_request_id}/verification"),
    ("POST", "/v1/me/edit-requests/{edit_request_id}/withdraw"),
    ("GET", "/v1/me/edit-requests"),
    ("GET", "/v1/me/edit-requests/{edit_request_id}"),
    ("GET", "/v1/me/contracts"),
    ("GET", "/v1/me/notifications"),
    ("GET", "/v1/me/disclosures"),
    ("GET", "/v1/me/complaints"),  # v1.2
    ("GET", "/v1/me/access-log"),  # v1.2
    ("POST", "/v1/staff/customers/search"),
    ("GET", "/v1/staff/customers/{customer_id}"),
    ("GET", "/v1/staff/edit-requests"),
    ("POST", "/v1/staff/edit-requests/{edit_request_id}/decision"),
    ("POST", "/v1/staff/contracts"),
    ("POST", "/v1/staff/contracts/{contract_id}/renewal"),
    ("POST", "/v1/staff/announcements"),
    ("GET", "/v1/staff/complaints"),
    ("PATCH", "/v1/staff/complaints/{complaint_id}"),
    ("POST", "/v1/staff/disclosures"),
    ("GET", "/v1/staff/audit"),
    ("POST", "/v1/me/sign-out"),
    ("POST", "/v1/me/closure"),
    ("POST", "/v1/recoveries"),
    ("POST", "/v1/recoveries/{recovery_id}/resend"),
    ("POST", "/v1/recoveries/{recovery_id}/verification"),
    ("POST", "/v1/staff/accounts/{customer_id}/reactivation"),
    ("POST", "/v1/staff/legal-holds"),
    ("GET", "/v1/staff/legal-holds"),
    ("POST", "/v1/staff/legal-holds/{hold_id}/release"),
}


EVERYONE = {"guest", "customer", "support", "compliance", "admin"}
PUBLIC = {"guest", "customer"}


def allowed(method: str, path: str) -> set[str]:
    """API.md, Principals: who may invoke ``method path``. Written out, not derived."""
    if path == "/v1/policy":
        return EVERYONE
    if path.startswith(("/v1/registrations", "/v1/recoveries", "/v1/complaints", "/v1/analytics")):
        return PUBLIC
    if path.startswith("/v1/me"):
        return {"customer"}
    area = path.split("/")[3]
    return {
        "customers": {"support", "compliance", "admin"},
        "accounts": {"support", "admin"},
        "legal-holds": {"compliance", "admin"},
        "edit-requests": {"support", "admin"},
        "complaints": {"support", "compliance", "admin"},
        "contracts": {"support", "admin"},
        "disclosures": {"compliance", "admin"},
        "audit": {"compliance", "admin"},
        "announcements": {"admin"},
    }[area]


def concrete(path: str) -> str:
    """The route's path with each parameter filled in."""
    return re.sub(r"\{\w+\}", "id-1", path)
