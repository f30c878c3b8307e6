"""Pages of a list (API.md v1.2, Pages): at most ``limit`` items, and a cursor to the next page.

A store answers a ``PageRequest`` with a ``Page``: its items and the ``Position`` where the next
page starts (DynamoDB's key of the last item, ``None`` after the last page). Services pass
positions through without reading them; the API turns a position into the client's cursor and
back (``Cursors``).

A cursor is the position sealed with AES-256-GCM (authenticated encryption): the key is made
once per execution environment with the page key, a KMS HMAC key, as the MAC of a fixed label
(KMS: "you can also use the raw result to implement HMAC-based algorithms such as key derivation
functions", https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html), so every
environment derives the same key with one KMS call and none per page; the key material never
leaves KMS. The associated data is the caller, the route and the query that asked for the page:
a cursor used by anyone else, on another route or with another query, or changed in any bit,
does not open (400 ``INVALID_CURSOR``). Sealed rather than only signed, so that a cursor says
nothing of the table's keys (ids, index keys) to the client, to a URL's logs, or to anyone it
is shown to. Random 96-bit nonces keep one key safe for 2^32 cursors (NIST SP 800-38D, 8.3);
a new ``LABEL`` is a new key (cursors issued before are then refused, and clients start over).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ongpt.platform.errors import InvalidCursor
from ongpt.platform.telemetry import tracer

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

T = TypeVar("T")
U = TypeVar("U")
# Where a page ended: a store's key of its last item (JSON), opaque above the stores.
Position = Mapping[str, Any]

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
LABEL = b"ongpt-accounts/page-cursors/v1"
NONCE_BYTES = 12
MAX_CURSOR = 2048  # characters: a position is a few keys, well under this


@dataclass(frozen=True)
class PageRequest:
    """At most ``limit`` items (``None``: every one, for the export), after ``after``."""

    limit: int | None
    after: Position | None = None


EVERYTHING = PageRequest(None)  # the export's: unpaged


@dataclass(frozen=True)
class Page(Generic[T]):
    """A page's items, and where the next page starts (``None``: this is the last)."""

    items: list[T]
    after: Position | None

    def map(self, view: Callable[[T], U]) -> Page[U]:
        return Page([view(item) for item in self.items], self.after)


class Cursors:
    """Positions sealed into cursors bound to what asked for them (``binding``), and opened."""

    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    @cached_property
    def _aead(self) -> AESGCM:
        return AESGCM(self._derived_key())

    @tracer.capture_method
    def _derived_key(self) -> bytes:
        """The page key's HMAC-SHA-256 of ``LABEL``: 32 bytes, the same in every environment."""
        return self._kms.generate_mac(
            KeyId=self._key_id, MacAlgorithm="HMAC_SHA_256", Message=LABEL
        )["Mac"]

    def seal(self, position: Position, binding: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(position, sort_keys=True, separators=(",", ":")).encode()
        sealed = nonce + self._aead.encrypt(nonce, plain, binding)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, cursor: str, binding: bytes) -> Position:
        """The position ``cursor`` holds, if this binding sealed it; else ``InvalidCursor``."""
        raw = _decoded(cursor)
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], binding)
        except InvalidTag:
            raise _invalid() from None
        position: Position = json.loads(plain)
        return position


def _decoded(cursor: str) -> bytes:
    """The bytes of a cursor as ``seal`` writes it (unpadded URL-safe base64), or
    ``InvalidCursor``: anything else, even another spelling of the same bytes, is refused."""
    if not 0 < len(cursor) <= MAX_CURSOR:
        raise _invalid()
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise _invalid() from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor or len(raw) <= NONCE_BYTES:
        raise _invalid()
    return raw


def _invalid() -> InvalidCursor:
    return InvalidCursor("This cursor was not given for this list: ask for its first page again.")
