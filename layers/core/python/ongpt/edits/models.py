"""Bodies of the edit-request routes, the customer's and the staff's."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    StringConstraints,
    model_validator,
)

from ongpt.customers.models import OptionalDetails
from ongpt.platform.models import FREE_TEXT, Code, Email, FullName, Paged, Phone, Strict


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


# Responses (API.md): what each route answers with 2xx, for the OpenAPI document. Handlers may
# return plain dicts of these shapes; times are RFC 3339 strings as stored.
EditRequestStatus = Literal[
    "PENDING_VERIFICATION", "PENDING_REVIEW", "WITHDRAWN", "APPLIED", "REJECTED"
]


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


class EditRequestList(Paged):
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


class EditRequestQueue(Paged):
    status: Literal["PENDING_REVIEW"]
    edit_requests: list[QueuedEditRequest]
