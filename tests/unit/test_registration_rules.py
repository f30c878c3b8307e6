"""Registration's rules that need no AWS: the password policy (P2.3) checked before anything is
created, and the consents recorded at sign-up (P3.3, GDPR 7)."""

from __future__ import annotations

import pytest

from ongpt.consents.store import consent_records
from ongpt.platform.errors import WeakPassword
from ongpt.registration.service import check_password


@pytest.mark.clause("P2.3")
@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Short1!a", "at least 12 characters"),
        ("ALLUPPERCASE123!", "a lower-case letter"),
        ("alllowercase123!", "an upper-case letter"),
        ("NoDigitsHere!!ab", "a digit"),
        ("NoSymbols1234abc", "a symbol"),
    ],
)
def test_a_password_missing_a_rule_is_refused_naming_it(password: str, missing: str) -> None:
    with pytest.raises(WeakPassword, match=missing):
        check_password(password)


@pytest.mark.clause("P2.3")
def test_a_password_with_every_rule_passes() -> None:
    check_password("Correct-Horse-9-battery")


@pytest.mark.clause("P3.3")
def test_sign_up_records_each_consent_and_its_first_history_entry() -> None:
    given = {
        "privacy_policy": "2024-10",
        "terms": "2024-10",
        "marketing": False,
        "product_updates": True,
    }
    records = consent_records(given, "2026-03-01T00:00:00Z")
    current = {r["purpose"]: r["granted"] for r in records if r["sk"].count("#") == 1}
    history = [r["purpose"] for r in records if r["sk"].count("#") == 2]
    assert current == {
        "privacy_policy": True,
        "terms": True,
        "marketing": False,
        "product_updates": True,
    }
    assert sorted(history) == sorted(current)
    assert {r["source"] for r in records} == {"registration"}
