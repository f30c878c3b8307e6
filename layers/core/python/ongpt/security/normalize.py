"""Normalisation of what identifies a person (API.md, Registration): one form for storage, one for
lookup and uniqueness. Raises ``ValueError`` with a message fit for the client, never the value.

``phonenumbers`` and ``email_validator`` are imported by the first check that needs them, not at a
function's cold start (most requests never check a phone or an address)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email_validator import ValidatedEmail

DEFAULT_REGION = "VN"  # a number without country code is Vietnamese
NAME_MAX = 100
NAME_PUNCTUATION = frozenset(" .'-")
EMAIL_MAX = 254


def full_name(raw: str) -> str:
    """NFC, trimmed, inner spaces folded; letters of any script with their marks, and `` .'-``."""
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in raw):
        raise ValueError("may not hold control characters")
    spaced = "".join(" " if unicodedata.category(c) == "Zs" else c for c in raw)
    name = re.sub(" +", " ", unicodedata.normalize("NFC", spaced)).strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise ValueError(f"must be 1 to {NAME_MAX} characters")
    for char in name:
        if char not in NAME_PUNCTUATION and not unicodedata.category(char).startswith(("L", "M")):
            raise ValueError("may hold only letters, spaces and . ' -")
    if not any(unicodedata.category(c).startswith("L") for c in name):
        raise ValueError("must hold a letter")
    return name


# Embeddings, overrides and isolates reorder what a reader sees ("Trojan Source", CVE-2021-42574).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS_AND_TABS = frozenset("\t\n\r")


def free_text(raw: str) -> str:
    """NFC; line breaks and tabs allowed, other control and bidi-control characters refused."""
    for char in raw:
        if char in BIDI_CONTROLS:
            raise ValueError("may not hold bidirectional control characters")
        if unicodedata.category(char) == "Cc" and char not in LINE_BREAKS_AND_TABS:
            raise ValueError("may not hold control characters")
    return unicodedata.normalize("NFC", raw)


def phone(raw: str) -> str:
    """E.164 (``+84967915569``); common formats accepted, no country code means Vietnam."""
    if len(raw) > 32 or re.search(r"[A-Za-z]", raw):
        raise ValueError("is not a phone number")
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def in_countries(e164: str, country_codes: tuple[str, ...]) -> bool:
    """Whether an E.164 number has one of the country calling codes (``"84"``: Vietnam)."""
    import phonenumbers

    return str(phonenumbers.parse(e164).country_code) in country_codes


def _checked(raw: str) -> ValidatedEmail:
    """The address's syntax checked without DNS, its local part ASCII: SES sends to no other (it
    does not support SMTPUTF8; an internationalised domain it takes in punycode:
    https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Destination.html)."""
    if len(raw) > EMAIL_MAX:
        raise ValueError(f"must be at most {EMAIL_MAX} characters")
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("is not a valid email address") from None
    if not checked.local_part.isascii():
        raise ValueError(
            "must be written without accented or non-Latin letters before the @: mail cannot "
            "be delivered to such an address"
        )
    return checked


def email(raw: str) -> str:
    """The address as given, its domain lower-cased (an internationalised one in the form it was
    given, Unicode or punycode); the syntax checked without DNS."""
    checked = _checked(raw)
    given_domain = raw.strip().rsplit("@", 1)[-1]
    domain = checked.ascii_domain if given_domain.isascii() else checked.domain
    return f"{checked.local_part}@{domain}"


def email_ascii(address: str) -> str:
    """The address as mail is sent to it: its domain in punycode (``an@xn--bcher-kva.vn``)."""
    checked = _checked(address)
    return f"{checked.local_part}@{checked.ascii_domain}"


def email_key(address: str) -> str:
    """What uniqueness compares: the whole address, its domain in punycode, case-insensitively."""
    return email_ascii(address).casefold()
