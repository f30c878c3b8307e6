"""What staff see by default (P5, access minimised): enough to recognise, not to contact."""

from __future__ import annotations

import phonenumbers


def name(full_name: str) -> str:
    """``Nguyễn Văn An`` -> ``N*** V** A*``."""
    return " ".join(word[0] + "*" * min(len(word) - 1, 3) for word in full_name.split())


def email(address: str) -> str:
    """``an.nguyen@example.com`` -> ``a***@example.com``."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def phone(e164: str) -> str:
    """``+84967915569`` -> ``+84******569``: the country code and the last three digits."""
    country = str(phonenumbers.parse(e164).country_code)
    head, national = e164[: 1 + len(country)], e164[1 + len(country) :]
    return head + "*" * max(len(national) - 3, 0) + national[-3:]
