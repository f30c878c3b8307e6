"""The audit log (P2.5, P5): append-only, hash-chained, keyed, one chain per subject (customer).

Each entry's hash is SHA-256 over its fields and the hash of the entry before it, and its
``mac`` is a KMS HMAC (the audit key, ``GenerateMac``) of that hash. The hash chain binds every
entry to all before it; the MAC makes a chain that only the key can extend: whoever can write
the table but not use the key can rewrite a chain and recompute every hash, yet not the MACs.
One KMS call per append (a few milliseconds, $0.03 per 10,000) buys that. The newest entries can
still be cut off, leaving a shorter chain whose head was validly keyed once: a scheduled job
anchors each chain's head outside DynamoDB in write-once storage, each anchor keyed and linked to
the chain's anchor before it (``ongpt.audit.anchors``).

An entry is written with ``attribute_not_exists`` on its sequence number, so concurrent writers
never overwrite or fork a chain: the loser re-reads the head and appends after it. One chain per
customer keeps contention to writers about the same customer and lets a customer's history be
verified alone. Functions may put and read entries, never update or delete them (IAM, checked
at synth); only functions that append may put."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ongpt.audit.anchors import AnchoredVerifier
    from ongpt.audit.store import AuditLog
    from ongpt.platform.caller import Caller
    from ongpt.platform.pages import Page, PageRequest

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


def verify_anchored(
    entries: list[Entry],
    anchors: list[AnchorObject],
    *,
    keyed: Callable[[Entry], bool],
    anchor_keyed: Callable[[Anchor], bool],
) -> Verification:
    """``verify`` against the chain's newest anchor (``anchors``: its newest objects, newest
    first), once ``broken_anchor`` finds that anchor genuine and linked to the one below it."""
    problem = broken_anchor(anchors, anchor_keyed)
    if problem:
        return Verification(False, min(problem["sequence"], len(entries)), problem)
    return verify(entries, keyed=keyed, anchor=anchors[0].anchor if anchors else None)


def broken_anchor(
    anchors: list[AnchorObject], anchor_keyed: Callable[[Anchor], bool]
) -> dict[str, Any] | None:
    """What is wrong with a chain's newest anchor, or None: it must be keyed by the audit key
    (which only the anchor job uses to make anchors) and name the object just below it, by
    sequence and SHA-256, or nothing if it has none. Each link was checked by the anchor job when
    it linked on; so an anchor put on top (a forgery at a higher sequence), or slipped in below
    the newest, breaks the chain here. An object slipped in further down changes nothing: the
    newest genuine anchor binds every entry below it by its hash."""
    if not anchors:
        return None
    newest, below = anchors[0], anchors[1] if len(anchors) > 1 else None
    if newest.anchor is None or not anchor_keyed(newest.anchor):
        return {"sequence": newest.sequence, "reason": "forged anchor"}
    link = (below.sequence, below.sha256) if below else (0, GENESIS)
    if (newest.anchor.previous_sequence, newest.anchor.previous_sha256) != link:
        return {"sequence": newest.sequence, "reason": "anchor chain broken"}
    return None


def verify_from_anchor(
    tail: list[Entry],
    anchors: list[AnchorObject],
    *,
    head: int,
    keyed: Callable[[Entry], bool],
    anchor_keyed: Callable[[Anchor], bool],
) -> Verification:
    """The whole chain's verification from its newest anchor onward, whatever its length (the
    staff's audit read): ``anchors``, its newest objects (newest first); ``tail``, its entries
    from the anchored one on (every entry, with no anchor); ``head``, its head's sequence.

    An anchor found genuine and linked to the one below it vouches, by its hash, for every entry
    up to it: the anchor job checked each of those before it anchored, and the daily
    verification reads whole chains (``verify_anchored``). So here the anchored entry must be
    there, unchanged, and each entry after it link on and be keyed; a chain cut below its anchor
    misses the entry after its head."""
    problem = broken_anchor(anchors, anchor_keyed)
    anchor = anchors[0].anchor if anchors else None
    if problem is None and anchor is not None:
        problem = _off_anchor(tail, anchor, head)
        tail = tail[1:]
    if problem is None:
        problem = verify_extension(tail, keyed=keyed, anchor=anchor)
    if problem:
        return Verification(False, min(problem["sequence"], head), problem)
    return Verification(True, head)


def _off_anchor(tail: list[Entry], anchor: Anchor, head: int) -> dict[str, Any] | None:
    """What is wrong with the anchored entry, the first of ``tail``, or None."""
    if head < anchor.sequence:
        return {"sequence": head + 1, "reason": "missing"}
    if not tail or tail[0].sequence != anchor.sequence:
        return {"sequence": anchor.sequence, "reason": "missing"}
    if tail[0].hash != anchor.hash or tail[0].computed_hash() != anchor.hash:
        return {"sequence": anchor.sequence, "reason": "changed"}
    return None


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


@dataclass
class AuditReader:
    """Staff's reads of a customer's chain (``GET /v1/staff/audit``), each itself audited."""

    audit_log: AuditLog
    audit_verifier: AnchoredVerifier

    def read(
        self, staff: Caller, customer_id: str, page: PageRequest
    ) -> tuple[Page[dict[str, Any]], dict[str, Any]]:
        """A page of the chain, oldest first, and the whole chain's verification from its newest
        anchor on (``verify_from_anchor``), whatever the page. A customer's chain is joined by
        this read's entry (one per request) before anything is returned; an id without a chain
        gets none."""
        if self.audit_log.head(customer_id) is not None:
            self.audit_log.append_by(staff, customer_id, action="audit.read")
        entries = self.audit_log.page(customer_id, page).map(asdict)
        return entries, asdict(self.audit_verifier.verify_from_anchor(customer_id))
