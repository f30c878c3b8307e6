"""P1.1: one form of a name, a phone and an email for storage and for uniqueness."""

from __future__ import annotations

import pytest

from ongpt.security import normalize


@pytest.mark.clause("P1.1")
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0967.9155.69", "+84967915569"),
        ("0967 915 569", "+84967915569"),
        ("+84 967 915 569", "+84967915569"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_phones_become_e164(raw: str, expected: str) -> None:
    assert normalize.phone(raw) == expected


@pytest.mark.clause("P1.1")
def test_names_are_nfc_trimmed_and_folded() -> None:
    decomposed = "Nguye\u0302\u0303n  Va\u0306n An "
    assert normalize.full_name(decomposed) == "Nguyễn Văn An"


@pytest.mark.clause("P1.1")
def test_email_domains_are_lower_cased_and_keys_compare_case_insensitively() -> None:
    assert normalize.email("An.Nguyen@Example.COM") == "An.Nguyen@example.com"
    assert normalize.email_key("An.Nguyen@Example.COM") == normalize.email_key(
        "an.nguyen@example.com"
    )


@pytest.mark.clause("P1.1")
@pytest.mark.parametrize(
    ("raw", "stored", "sent_to"),
    [
        ("An@BÜCHER.vn", "An@bücher.vn", "An@xn--bcher-kva.vn"),
        ("An@XN--BCHER-KVA.vn", "An@xn--bcher-kva.vn", "An@xn--bcher-kva.vn"),
        ("a@straße.de", "a@straße.de", "a@xn--strae-oqa.de"),
    ],
)
def test_an_internationalised_domain_is_kept_as_given_and_compared_and_sent_to_in_punycode(
    raw: str, stored: str, sent_to: str
) -> None:
    assert normalize.email(raw) == stored
    assert normalize.email_ascii(raw) == sent_to
    assert normalize.email_key(raw) == sent_to.casefold()


@pytest.mark.clause("P1.1")
def test_domains_that_differ_in_punycode_are_different_addresses() -> None:
    """Case-folding the Unicode form would make ``straße.de`` ``strasse.de``, another domain."""
    assert normalize.email_key("a@straße.de") != normalize.email_key("a@strasse.de")


@pytest.mark.clause("P1.1")
def test_an_email_whose_local_part_is_not_ascii_is_refused() -> None:
    with pytest.raises(ValueError, match="before the @"):
        normalize.email("nguyễn@example.com")


@pytest.mark.clause("P1.1")
@pytest.mark.parametrize("raw", ["Nguyễn\tAn", "An\u200b", "An\u0007"])
def test_names_refuse_control_and_invisible_characters(raw: str) -> None:
    with pytest.raises(ValueError, match="control"):
        normalize.full_name(raw)


@pytest.mark.clause("P4")
def test_free_text_is_nfc_and_keeps_line_breaks() -> None:
    decomposed = "Khie\u0302\u0301u na\u0323i\n\tvề hóa đơn"
    assert normalize.free_text(decomposed) == "Khiếu nại\n\tvề hóa đơn"


@pytest.mark.clause("P4")
@pytest.mark.parametrize(
    "raw",
    [
        "refund \u202eexe.txt",  # right-to-left override
        "a \u2066hidden\u2069 b",  # isolates
        "bell \x07",
        "null \x00",
        "escape \x1b[31m",
    ],
)
def test_free_text_refuses_control_and_bidi_control_characters(raw: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        normalize.free_text(raw)
