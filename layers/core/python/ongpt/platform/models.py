"""Field types and bodies every route shares: strict models, normalised text, phones and emails,
and the contract's error shape."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
)

from ongpt.platform.settings import SMS_COUNTRY_CODES
from ongpt.security import normalize

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


class FieldError(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z_]*$")]
    message: str
    fields: list[FieldError] | None = None
    # With ``INVALID_CODE``: the wrong tries left before the codes lock (API.md).
    attempts_remaining: int | None = None


class ErrorBody(BaseModel):
    """Every error a handler gives (API.md, Conventions)."""

    error: ErrorDetail


class Refusal(RootModel[ErrorBody | dict[str, str]]):
    """A handler's error, or API Gateway's own refusal (``{"message": ...}``) before any handler."""


class Paged(BaseModel):
    """A list answer is a page (API.md v1.2, Pages): beside its list, ``next``, the cursor to
    the page after it (for the same caller, route and query), or null after the last."""

    next: str | None = Field(
        description="The cursor to the page after this one (the same caller, route and query "
        "only), or null after the last page."
    )
