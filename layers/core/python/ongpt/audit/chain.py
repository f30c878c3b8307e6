"""A chain's verification: its links, its anchors, its keys (``ongpt.audit.service``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ongpt.audit.models import GENESIS, Anchor, AnchorObject, Entry, Verification


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
