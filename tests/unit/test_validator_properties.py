"""Property tests of the validators (P1.1, P3.7): whatever arrives, the answer is a normal form or
a ValueError (a 400), never another exception (a 500); normal forms are stable."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ongpt.consents.service import CHANGEABLE, THIRD_PARTY, check_purpose
from ongpt.platform.errors import ValidationFailed
from ongpt.security import normalize

# Fixed examples in make test, so CI is repeatable; widen max_examples to explore further.
EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True)

letters = st.characters(categories=("Lu", "Ll", "Lo"))
names = st.lists(st.text(letters, min_size=1, max_size=12), min_size=1, max_size=4).map(" ".join)


@pytest.mark.clause("P1.1")
@EXAMPLES
@given(names)
def test_names_of_letters_are_accepted_and_stable(name: str) -> None:
    if len(unicodedata.normalize("NFC", name)) > normalize.NAME_MAX:
        return
    once = normalize.full_name(name)
    assert normalize.full_name(once) == once
    assert once == unicodedata.normalize("NFC", once)


@pytest.mark.clause("P1.1")
@EXAMPLES
@given(st.text(max_size=120))
def test_any_text_is_a_name_or_a_value_error(text: str) -> None:
    try:
        name = normalize.full_name(text)
    except ValueError:
        return
    assert not any(c.isdigit() or unicodedata.category(c).startswith("C") for c in name)


@pytest.mark.clause("P1.1")
@EXAMPLES
@given(st.integers(min_value=0, max_value=999_999), st.sampled_from([" ", ".", "-", ""]))
def test_vietnamese_mobiles_in_any_grouping_become_one_e164(last: int, sep: str) -> None:
    digits = f"0967{last:06d}"
    grouped = sep.join([digits[:4], digits[4:7], digits[7:]])
    assert normalize.phone(grouped) == "+84" + digits[1:]
    assert normalize.phone("+84 " + digits[1:]) == "+84" + digits[1:]


@pytest.mark.clause("P1.1")
@EXAMPLES
@given(st.text(max_size=40))
def test_any_text_is_a_phone_or_a_value_error(text: str) -> None:
    try:
        e164 = normalize.phone(text)
    except ValueError:
        return
    assert e164.startswith("+")
    assert e164[1:].isdigit()


@pytest.mark.clause("P1.1")
@EXAMPLES
@given(st.text(max_size=300))
def test_any_text_is_an_email_or_a_value_error(text: str) -> None:
    try:
        address = normalize.email(text)
    except ValueError:
        return
    assert normalize.email(address) == address  # the stored form is already normal


@pytest.mark.clause("P3.7")
@EXAMPLES
@given(st.text(max_size=90))
def test_any_purpose_is_known_or_a_validation_error(text: str) -> None:
    if text in CHANGEABLE or THIRD_PARTY.match(text):
        assert check_purpose(text) == text
    else:
        with pytest.raises(ValidationFailed, match="Unknown purpose"):
            check_purpose(text)
