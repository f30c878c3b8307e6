"""Bodies of the contract routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    PositiveInt,
    StringConstraints,
)

from ongpt.platform.models import FREE_TEXT, Paged, Strict
from ongpt.platform.queues import Message


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


class ContractSummary(BaseModel):
    contract_id: str
    plan: str
    status: str
    starts_at: str
    expires_at: str


class ContractList(Paged):
    contracts: list[ContractSummary]


class ContractCreated(BaseModel):
    contract_id: str
    status: Literal["ACTIVE"]


class ContractRenewed(ContractCreated):
    expires_at: str


Channel = Literal["email", "phone"]  # a contract's reminders go to both


class ReminderDeadLetter(Message):
    """What the expiry job puts on its dead-letter queue for an invitation it could not send."""

    contract_id: str
    window_days: PositiveInt
    channel: Channel
    expires_at: str
