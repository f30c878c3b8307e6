"""The privacy policy in force: its versions and the purposes personal data may serve (P3)."""

from __future__ import annotations

from pydantic import BaseModel

PRIVACY_POLICY_VERSION = "2024-10"
TERMS_VERSION = "2024-10"


class ProcessingPurpose(BaseModel):
    clause: str
    purpose: str
    description: str


class PolicyDocument(BaseModel):
    privacy_policy: str
    terms: str
    purposes: list[ProcessingPurpose]


PURPOSES = (
    ProcessingPurpose(
        clause="P3.1",
        purpose="account_access",
        description="Managing and granting access to products and services.",
    ),
    ProcessingPurpose(
        clause="P3.2",
        purpose="contract_delivery",
        description="Confirming and delivering contracts.",
    ),
    ProcessingPurpose(
        clause="P3.3",
        purpose="service_updates",
        description="Communicating updates or changes to products and services.",
    ),
    ProcessingPurpose(
        clause="P3.4",
        purpose="renewal_invitations",
        description="Inviting customers to upgrade or renew when a service nears expiration.",
    ),
    ProcessingPurpose(
        clause="P3.5", purpose="customer_care", description="Customer care and support."
    ),
    ProcessingPurpose(
        clause="P3.6",
        purpose="complaint_resolution",
        description="Resolving complaints and disputes.",
    ),
)


def current() -> PolicyDocument:
    """The policy a registration must accept (``consents.privacy_policy`` must match)."""
    return PolicyDocument(
        privacy_policy=PRIVACY_POLICY_VERSION, terms=TERMS_VERSION, purposes=list(PURPOSES)
    )
