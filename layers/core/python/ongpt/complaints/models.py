"""Bodies of the complaint routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    StringConstraints,
)

from ongpt.platform.models import FREE_TEXT, Email, Paged, Phone, Strict


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


class ComplaintState(BaseModel):
    complaint_id: str
    status: ComplaintStatus


class QueuedComplaint(ComplaintState):
    """A complaint in the staff queue; its contact masked."""

    reference: str
    category: str
    created_at: str
    customer_id: str | None
    subject: str
    message: str
    contact: dict[str, str]


class ComplaintQueue(Paged):
    status: ComplaintStatus
    complaints: list[QueuedComplaint]


class CustomerComplaint(ComplaintState):
    """A complaint as the customer who filed it sees it (``GET /v1/me/complaints``): its
    ``reference`` is what they quote to staff; the resolution once it is closed."""

    reference: str
    category: str
    filed_at: str
    resolution: str | None = None
    resolved_at: str | None = None


class CustomerComplaintList(Paged):
    complaints: list[CustomerComplaint]


class OwnComplaint(CustomerComplaint):
    """A complaint in the customer's export: with what they wrote."""

    subject: str
    message: str
