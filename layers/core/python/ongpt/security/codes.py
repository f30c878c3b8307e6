"""One-time codes (P1.2): six digits from a CSPRNG, kept only as a keyed hash.

The hash key is derived (HKDF) from the owner's data key, so codes cannot be checked, nor
guessed offline, without KMS opening that key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def _hash_key(data_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"ongpt one-time codes"
    ).derive(data_key)


def code_hash(data_key: bytes, purpose: str, code: str) -> str:
    """``purpose`` binds the hash to its use, e.g. ``<registration id>|email``."""
    return hmac.new(_hash_key(data_key), f"{purpose}|{code}".encode(), hashlib.sha256).hexdigest()


def unguessable_hash(data_key: bytes, purpose: str) -> str:
    """The hash of a code nobody is told: for an address that belongs to another account."""
    return code_hash(data_key, purpose, secrets.token_hex(16))


def matches(data_key: bytes, purpose: str, code: str, stored: str) -> bool:
    return hmac.compare_digest(code_hash(data_key, purpose, code), stored)


def all_match(
    data_key: bytes, owner: str, given: Mapping[str, str | None], kept: Mapping[str, Any]
) -> bool:
    """Whether each channel's code ``given`` is the one whose hash ``kept`` holds as
    ``<channel>_code`` (for ``<owner>|<channel>``); a channel with no code given or none kept
    never is. Every channel is hashed and compared either way: the same work whether or not
    codes were ever sent."""
    results = [
        matches(data_key, f"{owner}|{channel}", code or "", str(kept.get(f"{channel}_code", "")))
        for channel, code in given.items()
    ]
    return all(results)
