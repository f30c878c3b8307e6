"""Bodies of the complaint routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    StringConstraints,
)

from ongpt.platform.models import FREE_TEXT, Email, Phone, Strict


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
