"""Field-level envelope encryption and blind indexes (P2.1, DESIGN.md, Data protection).

Each customer's personal fields are sealed with AES-256-GCM under a data key of their own, made
by KMS with an encryption context naming them (so CloudTrail records whose data was opened, and
when). The field's owner and name are the associated data, so a ciphertext moved to another
field or customer does not open. Data keys are cached briefly, and boundedly, in a warm function.

Blind indexes are KMS HMACs of normalised values: lookups and uniqueness without plaintext.
"""

from __future__ import annotations

import base64
import os
import threading
from typing import TYPE_CHECKING

from cachetools import TTLCache
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

FORMAT = "v1"  # AES-256-GCM, 96-bit random nonce
NONCE_BYTES = 12
KEY_CACHE_SECONDS = 300
KEY_CACHE_ENTRIES = 256


class TamperedCiphertext(Exception):
    """A sealed value does not open with its key, owner and field."""


def _aad(owner: str, field: str) -> bytes:
    return f"{owner}|{field}".encode()


def seal(key: bytes, owner: str, field: str, value: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, value.encode("utf-8"), _aad(owner, field))
    return f"{FORMAT}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(key: bytes, owner: str, field: str, token: str) -> str:
    version, _, payload = token.partition(":")
    if version != FORMAT:
        raise TamperedCiphertext(f"unknown format {version!r}")
    raw = base64.b64decode(payload)
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(owner, field))
    except InvalidTag:
        raise TamperedCiphertext(f"{field} does not open") from None
    return plain.decode("utf-8")


class DataKeys:
    """Per-owner data keys under the data CMK; the encryption context names the owner."""

    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id
        self._cache: TTLCache[tuple[bytes, str], bytes] = TTLCache(
            maxsize=KEY_CACHE_ENTRIES, ttl=KEY_CACHE_SECONDS
        )
        self._lock = threading.Lock()

    @staticmethod
    def _context_key(context: dict[str, str]) -> str:
        return "&".join(f"{k}={v}" for k, v in sorted(context.items()))

    def new(self, context: dict[str, str]) -> tuple[bytes, bytes]:
        """A fresh data key: (plaintext, encrypted). Keep only the encrypted one."""
        made = self._kms.generate_data_key(
            KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=context
        )
        with self._lock:
            self._cache[(made["CiphertextBlob"], self._context_key(context))] = made["Plaintext"]
        return made["Plaintext"], made["CiphertextBlob"]

    def open(self, encrypted: bytes, context: dict[str, str]) -> bytes:
        """The plaintext of a stored data key; KMS checks the context."""
        cache_key = (encrypted, self._context_key(context))
        with self._lock:
            cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        plaintext: bytes = self._kms.decrypt(
            KeyId=self._key_id, CiphertextBlob=encrypted, EncryptionContext=context
        )["Plaintext"]
        with self._lock:
            self._cache[cache_key] = plaintext
        return plaintext


class BlindIndex:
    """Keyed, one-way tokens of normalised values, e.g. ``email:an.nguyen@example.com``."""

    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    def of(self, kind: str, normalized: str) -> str:
        mac = self._kms.generate_mac(
            KeyId=self._key_id,
            MacAlgorithm="HMAC_SHA_256",
            Message=f"{kind}:{normalized}".encode(),
        )["Mac"]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")
