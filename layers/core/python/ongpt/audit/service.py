"""The audit log (P2.5, P5): append-only, hash-chained, keyed, one chain per subject (customer).

Each entry's hash is SHA-256 over its fields and the hash of the entry before it, and its
``mac`` is a KMS HMAC (the audit key, ``GenerateMac``) of that hash. The hash chain binds every
entry to all before it; the MAC makes a chain that only the key can extend: whoever can write
the table but not use the key can rewrite a chain and recompute every hash, yet not the MACs.
One KMS call per append (a few milliseconds, $0.03 per 10,000) buys that. The newest entries can
still be cut off, leaving a shorter chain whose head was validly keyed once: a scheduled job
anchors each chain's head outside DynamoDB in write-once storage (``ongpt.audit.anchors``).

An entry is written with ``attribute_not_exists`` on its sequence number, so concurrent writers
never overwrite or fork a chain: the loser re-reads the head and appends after it. One chain per
customer keeps contention to writers about the same customer and lets a customer's history be
verified alone. Functions may put and read entries, never update or delete them (IAM, checked
at synth); only functions that append may put."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_kms.literals import MacAlgorithmSpecType

GENESIS = "0" * 64
SYSTEM = "SYSTEM"  # the subject of entries about no one customer
MAC_ALGORITHM: MacAlgorithmSpecType = "HMAC_SHA_256"


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
        fields = {k: v for k, v in asdict(self).items() if k not in ("hash", "mac")}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """A chain's head as anchored outside DynamoDB: its sequence and hash at ``anchored_at``."""

    subject: str
    sequence: int
    hash: str
    mac: str
    anchored_at: str


@dataclass(frozen=True)
class Verification:
    valid: bool
    checked: int
    first_bad: dict[str, Any] | None = None


class ChainKey:
    """The audit key (KMS HMAC): appenders key each entry's hash, verifiers check a key."""

    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    def mac(self, entry_hash: str) -> str:
        mac = self._kms.generate_mac(
            KeyId=self._key_id, MacAlgorithm=MAC_ALGORITHM, Message=bytes.fromhex(entry_hash)
        )["Mac"]
        return base64.b64encode(mac).decode()

    def valid(self, entry: Entry) -> bool:
        """Whether ``entry.mac`` is the audit key's MAC of its hash (KMS ``VerifyMac``)."""
        try:
            message, mac = bytes.fromhex(entry.hash), base64.b64decode(entry.mac, validate=True)
        except (ValueError, binascii.Error):
            return False
        if not mac:
            return False
        try:
            self._kms.verify_mac(
                KeyId=self._key_id, MacAlgorithm=MAC_ALGORITHM, Message=message, Mac=mac
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "KMSInvalidMacException":
                return False
            raise
        return True


def verify(
    entries: list[Entry], *, keyed: Callable[[Entry], bool], anchor: Anchor | None = None
) -> Verification:
    """A chain is valid when every link holds, it reaches its newest anchor with the anchored
    hash, and each entry newer than the anchor is keyed. The first changed, missing or reordered
    entry is named.

    Entries up to the anchor are bound by its hash, which the anchor job took only after checking
    the MAC of every entry since the anchor before; so KMS is asked (``VerifyMac``) about the
    entries newer than the anchor only, at most about an hour's, unless the chain differs from its
    anchor: then about every entry up to the first that fails. Checking only the newest entry
    would not do: an honest append keys a new head that links to whatever chain it finds.
    """
    problem = _broken_link(entries, after=None) or (
        _against_anchor(entries, anchor, keyed) if anchor else None
    )
    if problem is None:
        problem = _first_unkeyed(entries[anchor.sequence if anchor else 0 :], keyed)
    if problem:
        return Verification(False, min(problem["sequence"], len(entries)), problem)
    return Verification(True, len(entries))


def verify_extension(
    entries: list[Entry], *, keyed: Callable[[Entry], bool], anchor: Anchor | None
) -> dict[str, Any] | None:
    """The first bad entry among those newer than ``anchor`` (all, without one), or None when
    they link on from the anchored head and each is keyed: what the anchor job checks before it
    anchors a new head."""
    return _broken_link(entries, after=anchor) or _first_unkeyed(entries, keyed)


def _broken_link(entries: list[Entry], *, after: Anchor | None) -> dict[str, Any] | None:
    previous_hash = after.hash if after else GENESIS
    for expected, entry in enumerate(entries, start=after.sequence + 1 if after else 1):
        if entry.sequence != expected:
            return {"sequence": expected, "reason": "missing"}
        if entry.computed_hash() != entry.hash:
            return {"sequence": entry.sequence, "reason": "changed"}
        if entry.prev_hash != previous_hash:
            return {"sequence": entry.sequence, "reason": "out of order"}
        previous_hash = entry.hash
    return None


def _against_anchor(
    entries: list[Entry], anchor: Anchor, keyed: Callable[[Entry], bool]
) -> dict[str, Any] | None:
    """A chain cut below its anchor misses the entry after its end; one rewritten up to the
    anchor is named at its first unkeyed entry, or at the anchor if the rewriter held the key."""
    if len(entries) < anchor.sequence:
        return {"sequence": len(entries) + 1, "reason": "missing"}
    if entries[anchor.sequence - 1].hash == anchor.hash:
        return None
    return _first_unkeyed(entries[: anchor.sequence], keyed) or {
        "sequence": anchor.sequence,
        "reason": "changed",
    }


def _first_unkeyed(entries: list[Entry], keyed: Callable[[Entry], bool]) -> dict[str, Any] | None:
    for entry in entries:
        if not keyed(entry):
            return {"sequence": entry.sequence, "reason": "changed"}
    return None
