"""Request and response bodies of the API (API.md); unknown fields are refused everywhere."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from ongpt import normalize
from ongpt.audit import Entry, Verification
from ongpt.settings import SMS_COUNTRY_CODES

# What a person types: NFC, no control or bidi-control characters (normalize.free_text).
FREE_TEXT = AfterValidator(normalize.free_text)
Text200 = Annotated[str, StringConstraints(strict=True, max_length=200), FREE_TEXT]
Code = Annotated[str, StringConstraints(strict=True, pattern=r"^\d{6}$")]
FullName = Annotated[
    str, StringConstraints(strict=True, max_length=400), AfterValidator(normalize.full_name)
]


def _sms_phone(raw: str) -> str:
    """A phone we can send codes to: normalised, with one of the allowed country codes."""
    number = normalize.phone(raw)
    allowed = SMS_COUNTRY_CODES.value()
    if not normalize.in_countries(number, allowed):
        raise ValueError("must have country code " + " or ".join(f"+{c}" for c in allowed))
    return number


Phone = Annotated[str, StringConstraints(strict=True, max_length=32), AfterValidator(_sms_phone)]
Email = Annotated[
    str, StringConstraints(strict=True, max_length=254), AfterValidator(normalize.email)
]
Language = Literal["vi", "en"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionalDetails(Strict):
    company: Text200 | None = None
    address: Text200 | None = None
    date_of_birth: date | None = None
    preferred_language: Language | None = None


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


class Profile(BaseModel):
    customer_id: str
    full_name: str
    email: str
    phone: str
    optional: OptionalDetails
    status: str
    created_at: str
    updated_at: str


class ProfileChanges(Strict):
    full_name: FullName | None = None
    phone: Phone | None = None
    email: Email | None = None
    optional: OptionalDetails | None = None

    @model_validator(mode="after")
    def _something(self) -> ProfileChanges:
        if not self.model_dump(exclude_none=True):
            raise ValueError("name at least one change")
        return self


class EditRequestCreate(Strict):
    changes: ProfileChanges
    reason: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=500), FREE_TEXT]


class EditVerification(Strict):
    email_code: Code | None = None
    phone_code: Code | None = None


class Decision(Strict):
    decision: Literal["approve", "reject"]
    note: Annotated[str, StringConstraints(strict=True, max_length=500), FREE_TEXT] = ""


class ConsentChange(Strict):
    granted: StrictBool


class ContractCreate(Strict):
    customer_id: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
    plan: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64), FREE_TEXT]
    starts_at: AwareDatetime
    expires_at: AwareDatetime
    reference: Annotated[str, StringConstraints(strict=True, max_length=100), FREE_TEXT] | None = (
        None
    )


class ContractRenewal(Strict):
    expires_at: AwareDatetime


class AnnouncementPost(Strict):
    kind: Literal["product_update", "service_change"]
    title: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200), FREE_TEXT]
    body: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=5000), FREE_TEXT]


class ComplaintContact(Strict):
    name: Annotated[str, StringConstraints(strict=True, max_length=100), FREE_TEXT] | None = None
    email: Email | None = None
    phone: Phone | None = None


class ComplaintFile(Strict):
    category: Literal["privacy", "billing", "service", "other"]
    subject: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200), FREE_TEXT]
    message: Annotated[
        str, StringConstraints(strict=True, min_length=1, max_length=5000), FREE_TEXT
    ]
    contact: ComplaintContact | None = None


ComplaintStatus = Literal["OPEN", "IN_PROGRESS", "RESOLVED", "REJECTED"]


class ComplaintUpdate(Strict):
    status: ComplaintStatus  # a move back, or out of a final state, is a 409
    resolution: (
        Annotated[str, StringConstraints(strict=True, max_length=2000), FREE_TEXT] | None
    ) = None


def _end_of_day(value: object) -> object:
    """A date ``YYYY-MM-DD`` means the end of that day in UTC: hidden until the next midnight.
    Anything else is left to be validated as an RFC 3339 time."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.combine(date.fromisoformat(value) + timedelta(days=1), time.min, UTC)
    return value


# An RFC 3339 time, or a date (API.md, disclosures); documented as either.
ConfidentialUntil = Annotated[
    AwareDatetime,
    BeforeValidator(_end_of_day),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}
    ),
]

Slug = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9-]{2,64}$")]


class DisclosureRecord(Strict):
    customer_id: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
    recipient: Slug
    legal_basis: Literal["consent", "legal_obligation"]
    authority_reference: (
        Annotated[str, StringConstraints(strict=True, max_length=200), FREE_TEXT] | None
    ) = None
    data_categories: Annotated[
        list[Literal["contact", "profile", "contracts", "complaints", "consents"]],
        Field(min_length=1, max_length=5),
    ]
    confidential_until: ConfidentialUntil | None = None


class Purpose(StrEnum):
    """Why a member of staff reads a customer's personal data (API.md, Staff)."""

    CUSTOMER_SUPPORT = "customer_support"
    CONTRACT_DELIVERY = "contract_delivery"
    COMPLAINT_RESOLUTION = "complaint_resolution"
    LEGAL_REQUEST = "legal_request"


GivenEmail = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=254)]


class CustomerSearch(Strict):
    """A staff lookup by exact email or phone: in the body, so no address is ever in a URL."""

    email: GivenEmail | None = None
    phone: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)] | None = None
    purpose: Purpose

    @model_validator(mode="after")
    def _one_address(self) -> CustomerSearch:
        if (self.email is None) == (self.phone is None):
            raise ValueError("give exactly one of email or phone")
        return self


class CustomerFound(BaseModel):
    customer_id: str
    status: str


class AnalyticsEvent(Strict):
    page: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=512), FREE_TEXT]
    referrer: Annotated[str, StringConstraints(strict=True, max_length=2048)] | None = None
    search_query: (
        Annotated[str, StringConstraints(strict=True, max_length=256), FREE_TEXT] | None
    ) = None
    visited_at: AwareDatetime


class AnalyticsBatch(Strict):
    events: Annotated[list[AnalyticsEvent], Field(min_length=1, max_length=25)]


class FieldError(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z_]*$")]
    message: str
    fields: list[FieldError] | None = None


class ErrorBody(BaseModel):
    """Every error a handler gives (API.md, Conventions)."""

    error: ErrorDetail


class Refusal(RootModel[ErrorBody | dict[str, str]]):
    """A handler's error, or API Gateway's own refusal (``{"message": ...}``) before any handler."""


# Responses (API.md): what each route answers with 2xx, for the OpenAPI document. Handlers may
# return plain dicts of these shapes; times are RFC 3339 strings as stored.
EditRequestStatus = Literal[
    "PENDING_VERIFICATION", "PENDING_REVIEW", "WITHDRAWN", "APPLIED", "REJECTED"
]


class Consent(BaseModel):
    """A purpose's current state; ``version`` only for the policy and terms accepted."""

    purpose: str
    granted: bool
    updated_at: str
    version: str | None = None


class ConsentList(BaseModel):
    consents: list[Consent]


class ConsentChangeRecord(BaseModel):
    purpose: str
    granted: bool
    version: str | None
    updated_at: str
    source: str | None


class Notification(BaseModel):
    type: str
    channel: Literal["email", "sms"]
    sent_at: str


class NotificationList(BaseModel):
    notifications: list[Notification]


class ContractSummary(BaseModel):
    contract_id: str
    plan: str
    status: str
    starts_at: str
    expires_at: str


class ContractList(BaseModel):
    contracts: list[ContractSummary]


class ContractCreated(BaseModel):
    contract_id: str
    status: Literal["ACTIVE"]


class ContractRenewed(ContractCreated):
    expires_at: str


class Disclosure(BaseModel):
    disclosure_id: str
    recipient: str
    legal_basis: Literal["consent", "legal_obligation"]
    authority_reference: str | None
    data_categories: list[str]
    recorded_at: str


class DisclosureList(BaseModel):
    disclosures: list[Disclosure]


class DisclosureRecorded(BaseModel):
    disclosure_id: str


class RequestedChanges(BaseModel):
    """An edit request's changes as the customer sent them."""

    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    optional: dict[str, str | None] | None = None


class EditRequestState(BaseModel):
    edit_request_id: str
    status: EditRequestStatus


class EditRequest(EditRequestState):
    changes: RequestedChanges
    reason: str
    created_at: str
    updated_at: str
    note: str | None


class EditRequestList(BaseModel):
    edit_requests: list[EditRequest]


class MaskedChange(BaseModel):
    old: str | None
    new: str | None


class QueuedEditRequest(BaseModel):
    """An edit request awaiting review, its old and new values masked."""

    edit_request_id: str
    customer_id: str
    created_at: str
    changes: dict[str, MaskedChange]


class EditRequestQueue(BaseModel):
    status: Literal["PENDING_REVIEW"]
    edit_requests: list[QueuedEditRequest]


class ComplaintState(BaseModel):
    complaint_id: str
    status: ComplaintStatus


class QueuedComplaint(ComplaintState):
    """A complaint in the staff queue; its contact masked."""

    category: str
    created_at: str
    customer_id: str | None
    subject: str
    message: str
    contact: dict[str, str]


class ComplaintQueue(BaseModel):
    status: ComplaintStatus
    complaints: list[QueuedComplaint]


class OwnComplaint(ComplaintState):
    category: str
    subject: str
    created_at: str
    resolution: str | None


class AnnouncementAccepted(BaseModel):
    announcement_id: str
    recipients: int


class EventsAccepted(BaseModel):
    accepted: int


class CustomerView(BaseModel):
    """A customer's profile as staff read it: masked, or with ``reveal`` the clear values."""

    customer_id: str
    full_name: str
    email: str
    phone: str
    optional: dict[str, str | None]
    status: str
    created_at: str
    updated_at: str
    masked: bool


class AuditRead(BaseModel):
    """A customer's audit entries and the verification of their chain."""

    entries: list[Entry]
    verification: Verification


class ConsentsHeld(BaseModel):
    current: list[Consent]
    history: list[ConsentChangeRecord]


class StaffAccess(BaseModel):
    """A staff access to the customer's data: role, purpose and time, never who."""

    role: str
    action: str
    purpose: str | None
    at: str


class Export(BaseModel):
    """Everything held about the customer (API.md, ``GET /v1/me/export``)."""

    profile: Profile
    consents: ConsentsHeld
    edit_requests: list[EditRequest]
    contracts: list[ContractSummary]
    notifications: list[Notification]
    complaints: list[OwnComplaint]
    disclosures: list[Disclosure]
    access_log: list[StaffAccess]
