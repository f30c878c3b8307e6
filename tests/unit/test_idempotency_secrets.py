"""No password is part of what an idempotency record keeps, not even digested (API.md,
Conventions): a retry carries it again, and a record that held it (a digest of a password is
a guessable hash of it) would keep it for a day."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from ongpt.lifecycle.models import RecoveryVerification
from ongpt.platform.idempotency import _digest
from ongpt.registration.models import VerificationRequest

CODES = {"email_code": "123456", "phone_code": "654321"}


def _digests(model: type[BaseModel], field: str, **body: object) -> set[str]:
    """The record's digest of the same request with two different passwords."""
    return {
        _digest(
            "guest:x|POST /v1/x|{}", "key", {"request": model.model_validate({**body, field: p})}
        )
        for p in ("correct-Horse-battery-9", "another-Horse-battery-7")
    }


@pytest.mark.parametrize(
    ("model", "field", "body"),
    [
        (VerificationRequest, "password", CODES),
        (RecoveryVerification, "new_password", {**CODES, "reset_mfa": True}),
    ],
)
def test_a_password_is_left_out_of_the_request_digest(
    model: type[BaseModel], field: str, body: dict[str, object]
) -> None:
    assert len(_digests(model, field, **body)) == 1


def test_the_codes_are_still_part_of_it() -> None:
    other = {**CODES, "email_code": "111111"}
    assert _digests(VerificationRequest, "password", **CODES) != _digests(
        VerificationRequest, "password", **other
    )
