"""Bodies of the registration routes (API.md, Registration)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    NonNegativeInt,
    StrictBool,
    StringConstraints,
)

from ongpt.customers.models import OptionalDetails
from ongpt.platform.models import Code, Email, FullName, Phone, Strict
from ongpt.platform.queues import Message


class RegistrationConsents(Strict):
    privacy_policy: Annotated[str, StringConstraints(strict=True, max_length=20)]
    terms: Annotated[str, StringConstraints(strict=True, max_length=20)]
    marketing: StrictBool = False
    product_updates: StrictBool = False


class RegistrationRequest(Strict):
    full_name: FullName
    phone: Phone
    email: Email
    optional: OptionalDetails = Field(default_factory=OptionalDetails)
    consents: RegistrationConsents


class RegistrationAccepted(BaseModel):
    registration_id: str
    status: Literal["PENDING_VERIFICATION"] = "PENDING_VERIFICATION"
    expires_at: str


class VerificationRequest(Strict):
    email_code: Code
    phone_code: Code
    password: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=256)]


class CustomerCreated(BaseModel):
    customer_id: str
    status: Literal["ACTIVE"] = "ACTIVE"


class CodesMessage(Message):
    """The registration codes queue's message: a registration and its round (0 at sign-up, one
    more per resend), never an address; ``notices`` when an address taken gets a notice."""

    registration_id: str
    round: NonNegativeInt
    notices: bool
