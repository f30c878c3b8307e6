"""The privacy policy in force: its versions and the purposes personal data may serve (P3)."""

from __future__ import annotations

from ongpt.platform.models import Model

PRIVACY_POLICY_VERSION = "2024-10"
TERMS_VERSION = "2024-10"


class ProcessingPurpose(Model):
    clause: str
    purpose: str
    description: str


class PolicyDocument(Model):
    privacy_policy: str
    terms: str
    purposes: list[ProcessingPurpose]


# The purposes as data: their model is built when the policy is first asked for, not at import.
PURPOSES = (
    {
        "clause": "P3.1",
        "purpose": "account_access",
        "description": "Managing and granting access to products and services.",
    },
    {
        "clause": "P3.2",
        "purpose": "contract_delivery",
        "description": "Confirming and delivering contracts.",
    },
    {
        "clause": "P3.3",
        "purpose": "service_updates",
        "description": "Communicating updates or changes to products and services.",
    },
    {
        "clause": "P3.4",
        "purpose": "renewal_invitations",
        "description": "Inviting customers to upgrade or renew when a service nears expiration.",
    },
    {"clause": "P3.5", "purpose": "customer_care", "description": "Customer care and support."},
    {
        "clause": "P3.6",
        "purpose": "complaint_resolution",
        "description": "Resolving complaints and disputes.",
    },
)


def current() -> PolicyDocument:
    """The policy a registration must accept (``consents.privacy_policy`` must match)."""
    return PolicyDocument.model_validate(
        {"privacy_policy": PRIVACY_POLICY_VERSION, "terms": TERMS_VERSION, "purposes": PURPOSES}
    )
