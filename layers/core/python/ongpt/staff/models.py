"""Bodies of the staff's customer search and purpose-bound reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    StringConstraints,
    model_validator,
)

from ongpt.platform.models import Paged, Strict


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


class AccessLogEntry(BaseModel):
    """A staff access to the customer's data: role, purpose and time, never who."""

    role: str
    action: str
    purpose: str | None
    at: str


class AccessLog(Paged):
    """A page of staff's accesses to the customer's data, oldest first
    (``GET /v1/me/access-log``)."""

    access_log: list[AccessLogEntry]
