"""Issue 15 item 7: the messages Cognito itself sends to customers (the SMS MFA code, the
verification code of an attribute or a password reset) are in Vietnamese first and English
second, with the code placeholder Cognito requires (invitations are never sent:
``infra/cognito_messages.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.synthesized import resources

CODE = "{####}"
SMS_LIMIT = 140  # Cognito's limit on an SMS template


def _user_pool(template_json: dict[str, Any]) -> dict[str, Any]:
    (pool,) = resources(template_json, "AWS::Cognito::UserPool").values()
    return pool


def _vietnamese_then_english(text: str, vietnamese: str, english: str) -> None:
    assert vietnamese in text, text
    assert english in text, text
    assert text.index(vietnamese) < text.index(english), text


def _sms(text: str) -> None:
    assert text.count(CODE) == 1, text
    assert len(text) <= SMS_LIMIT, text
    assert text.isascii(), text  # GSM-7: no diacritics, which would make it UCS-2


@pytest.mark.clause("P2.3")
def test_the_sms_mfa_code_is_texted_in_vietnamese_then_english(
    template_json: dict[str, Any],
) -> None:
    text = _user_pool(template_json)["SmsAuthenticationMessage"]
    _sms(text)
    _vietnamese_then_english(text, "ma dang nhap", "sign-in code")


@pytest.mark.clause("P1.2")
def test_verification_codes_are_sent_in_vietnamese_then_english(
    template_json: dict[str, Any],
) -> None:
    template = _user_pool(template_json)["VerificationMessageTemplate"]
    assert template["DefaultEmailOption"] == "CONFIRM_WITH_CODE"  # resets use codes anyway
    _sms(template["SmsMessage"])
    _vietnamese_then_english(template["SmsMessage"], "ma xac minh", "verification code")
    assert template["EmailMessage"].count(CODE) == 1
    _vietnamese_then_english(template["EmailMessage"], "Mã xác minh", "verification code")
    _vietnamese_then_english(template["EmailMessage"], "Không chia sẻ", "Do not share")
    _vietnamese_then_english(template["EmailSubject"], "Mã xác minh", "verification code")
