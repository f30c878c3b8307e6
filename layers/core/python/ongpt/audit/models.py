"""The audit log's records (``ongpt.audit.service``: the chain they make): entries, anchors,
verifications. Plain dataclasses: the jobs that append and verify never import pydantic (the
read's body is in ``responses``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

GENESIS = "0" * 64
SYSTEM = "SYSTEM"  # the subject of entries about no one customer
# What a customer is shown of their chain as staff's accesses to their data (API.md v1.2,
# ``GET /v1/me/access-log``, and the export): every entry of a staff role (reads, reveals,
# searches that found them, queue views, decisions on their requests and complaints, contracts,
# reactivations, audit reads), but for those whose action begins with one of
# ``HIDDEN_FROM_CUSTOMER``: disclosures, which the customer sees in their own list only once an
# authority's confidentiality order has run (``GET /v1/me/disclosures``), and legal holds, placed
# for an authority and under the same kind of order, which keep data but read none.
HIDDEN_FROM_CUSTOMER = ("disclosure.", "legal_hold.")


@dataclass(frozen=True)
class Entry:
    subject: str
    sequence: int
    at: str
    actor: str
    role: str
    action: str
    purpose: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str = ""
    mac: str = ""  # base64 KMS HMAC of ``hash``

    def computed_hash(self) -> str:
        return _digest({k: v for k, v in asdict(self).items() if k not in ("hash", "mac")})


@dataclass(frozen=True)
class Anchor:
    """A chain's head as anchored outside DynamoDB: its sequence, hash and MAC at
    ``anchored_at``; the chain's anchor before it (its sequence and the SHA-256 of its object;
    0 and ``GENESIS`` for a chain's first); and ``anchor_mac``, the audit key's MAC of all that,
    which only the anchor job makes."""

    subject: str
    sequence: int
    hash: str
    mac: str
    anchored_at: str
    previous_sequence: int = 0
    previous_sha256: str = GENESIS
    anchor_mac: str = ""

    def computed_hash(self) -> str:
        return _digest({k: v for k, v in asdict(self).items() if k != "anchor_mac"})


@dataclass(frozen=True)
class AnchorObject:
    """An object of the anchor bucket: the sequence its key names, the SHA-256 of its bytes, and
    the anchor they hold (None when they hold none of that subject and sequence)."""

    sequence: int
    sha256: str
    anchor: Anchor | None


def _digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    valid: bool
    checked: int
    first_bad: dict[str, Any] | None = None
