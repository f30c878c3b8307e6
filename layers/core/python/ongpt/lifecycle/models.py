"""Bodies of the account lifecycle routes (API.md, Account lifecycle)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, NonNegativeInt, StrictBool, StringConstraints, model_validator

from ongpt.disclosures.models import ConfidentialUntil
from ongpt.platform.models import FREE_TEXT, Code, Email, Paged, Phone, Strict
from ongpt.platform.queues import Message
from ongpt.staff.models import Purpose

Note = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=2000), FREE_TEXT]
Password = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=256)]
CustomerId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]


class RecoveryRequest(Strict):
    email: Email
    phone: Phone


class RecoveryAccepted(BaseModel):
    recovery_id: str
    expires_at: str


class RecoveryVerification(Strict):
    email_code: Code
    phone_code: Code
    new_password: Password | None = None
    reset_mfa: StrictBool = False

    @model_validator(mode="after")
    def _something_to_recover(self) -> RecoveryVerification:
        if self.new_password is None and not self.reset_mfa:
            raise ValueError("give a new_password, or reset_mfa: true, or both")
        return self


class Recovered(BaseModel):
    status: Literal["RECOVERED"] = "RECOVERED"


class ClosureRequest(Strict):
    reason: Note | None = None


class Closing(BaseModel):
    status: Literal["CLOSING"] = "CLOSING"
    erase_after: str


class Reactivation(Strict):
    purpose: Purpose
    note: Note


class Reactivated(BaseModel):
    status: Literal["ACTIVE"] = "ACTIVE"


class HoldRequest(Strict):
    customer_id: CustomerId
    authority_reference: Annotated[
        str, StringConstraints(strict=True, min_length=1, max_length=200), FREE_TEXT
    ]
    reason: Note
    until: ConfidentialUntil | None = None  # a date means the end of that day in UTC


class HoldCreated(BaseModel):
    hold_id: str


class HoldRelease(Strict):
    note: Note


class HoldReleased(BaseModel):
    hold_id: str
    status: Literal["RELEASED"] = "RELEASED"


class LegalHold(BaseModel):
    hold_id: str
    customer_id: str
    authority_reference: str
    reason: str
    status: Literal["ACTIVE", "RELEASED"]
    created_at: str
    until: str | None = None
    released_at: str | None = None
    release_note: str | None = None


class LegalHoldList(Paged):
    holds: list[LegalHold]


class RecoveryCodesMessage(Message):
    """The recovery codes queue's message: a recovery and its round (0 at the start, one more per
    resend), never an address."""

    recovery_id: str
    round: NonNegativeInt
