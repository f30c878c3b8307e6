"""P2.5: the audit chain's verifier names the first changed, missing or reordered entry, also
when the whole chain was rewritten with every hash recomputed, or cut below its anchor; and it
trusts a newest anchor only if the audit key made it and it links to the anchor below it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, replace

import pytest

from ongpt.audit.chain import verify, verify_anchored, verify_extension
from ongpt.audit.models import GENESIS, Anchor, AnchorObject, Entry
from ongpt.security import masking

AUDIT_KEY = b"the audit key, which a rewriter does not hold"


def mac(entry_hash: str, key: bytes = AUDIT_KEY) -> str:
    return base64.b64encode(hmac.digest(key, bytes.fromhex(entry_hash), hashlib.sha256)).decode()


def keyed(entry: Entry) -> bool:
    """What KMS VerifyMac answers, for the audit key."""
    return hmac.compare_digest(entry.mac, mac(entry.hash))


def chained(drafts: list[Entry], key: bytes | None = AUDIT_KEY) -> list[Entry]:
    """The drafts linked and hashed in order, as an appender (or a rewriter) would; keyed with
    ``key``, or left with whatever MAC they had when ``key`` is None."""
    entries: list[Entry] = []
    previous = GENESIS
    for draft in drafts:
        linked = replace(draft, prev_hash=previous)
        entry_hash = linked.computed_hash()
        entry = replace(linked, hash=entry_hash, mac=mac(entry_hash, key) if key else linked.mac)
        entries.append(entry)
        previous = entry.hash
    return entries


def chain(length: int) -> list[Entry]:
    drafts = [
        Entry(
            "c1",
            sequence,
            "2026-11-25T00:00:00.000000Z",
            "alice",
            "support",
            "customer.read",
            "customer_support",
            {},
            GENESIS,
        )
        for sequence in range(1, length + 1)
    ]
    return chained(drafts)


def anchor_of(entry: Entry) -> Anchor:
    return Anchor(entry.subject, entry.sequence, entry.hash, entry.mac, "2026-11-25T01:00:00Z")


def anchor_keyed(anchor: Anchor) -> bool:
    """What KMS VerifyMac answers of an anchor's MAC, for the audit key."""
    return hmac.compare_digest(anchor.anchor_mac, mac(anchor.computed_hash()))


def stored(entry: Entry, below: AnchorObject | None, key: bytes = AUDIT_KEY) -> AnchorObject:
    """The anchor of ``entry`` as the job writes it (linked to ``below``, keyed with ``key``),
    as the bucket gives it back."""
    link = (below.sequence, below.sha256) if below else (0, GENESIS)
    anchor = replace(anchor_of(entry), previous_sequence=link[0], previous_sha256=link[1])
    anchor = replace(anchor, anchor_mac=mac(anchor.computed_hash(), key))
    body = json.dumps(asdict(anchor)).encode()
    return AnchorObject(anchor.sequence, hashlib.sha256(body).hexdigest(), anchor)


def verified(entries: list[Entry], *anchors: AnchorObject) -> dict[str, object] | None:
    """The first bad entry or anchor (None: valid), the anchors given newest first."""
    found = verify_anchored(entries, list(anchors), keyed=keyed, anchor_keyed=anchor_keyed)
    assert found.valid is (found.first_bad is None)
    return found.first_bad


@pytest.mark.clause("P2.5", "P5")
def test_an_untouched_chain_is_valid() -> None:
    result = verify(chain(5), keyed=keyed)
    assert result.valid
    assert result.checked == 5


@pytest.mark.clause("P2.5", "P5")
def test_a_changed_entry_is_named() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], purpose="legal_request")
    assert verify(entries, keyed=keyed).first_bad == {"sequence": 3, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_missing_entry_is_named() -> None:
    entries = chain(5)
    del entries[1]
    assert verify(entries, keyed=keyed).first_bad == {"sequence": 2, "reason": "missing"}


@pytest.mark.clause("P2.5", "P5")
def test_entries_renumbered_into_another_order_are_caught() -> None:
    entries = chain(4)
    swapped = [
        entries[0],
        replace(entries[2], sequence=2),
        replace(entries[1], sequence=3),
        entries[3],
    ]
    resealed = [replace(e, hash=e.computed_hash()) for e in swapped]  # even with hashes redone
    assert verify(resealed, keyed=keyed).first_bad == {"sequence": 2, "reason": "out of order"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_rewritten_with_every_hash_recomputed_is_caught_by_its_macs() -> None:
    entries = chain(8)
    rewritten = chained([*entries[:2], *(replace(e, actor="mallory") for e in entries[2:])], None)
    assert [e.hash for e in rewritten[2:]] != [e.hash for e in entries[2:]]
    result = verify(rewritten, keyed=keyed)
    assert not result.valid
    assert result.first_bad == {"sequence": 3, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_rewrite_keyed_with_another_key_is_caught() -> None:
    entries = chain(5)
    forged = chained([replace(e, purpose="legal_request") for e in entries], b"another key")
    assert verify(forged, keyed=keyed).first_bad == {"sequence": 1, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_rewrite_by_a_key_holder_is_caught_at_the_anchor() -> None:
    entries = chain(6)
    anchor = anchor_of(entries[3])
    rewritten = chained([*entries[:1], *(replace(e, actor="mallory") for e in entries[1:])])
    assert verify(rewritten, keyed=keyed).valid  # the key makes any chain: only the anchor binds
    result = verify(rewritten, keyed=keyed, anchor=anchor)
    assert result.first_bad == {"sequence": 4, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_rewritten_below_its_anchor_names_the_first_rewritten_entry() -> None:
    entries = chain(6)
    anchor = anchor_of(entries[4])
    rewritten = chained([*entries[:3], *(replace(e, actor="mallory") for e in entries[3:])], None)
    result = verify(rewritten, keyed=keyed, anchor=anchor)
    assert result.first_bad == {"sequence": 4, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_cut_below_its_anchor_is_caught() -> None:
    entries = chain(6)
    anchor = anchor_of(entries[4])
    cut = entries[:3]
    assert verify(cut, keyed=keyed).valid  # its new head was keyed when it was the head
    result = verify(cut, keyed=keyed, anchor=anchor)
    assert not result.valid
    assert result.first_bad == {"sequence": 4, "reason": "missing"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_deleted_whole_is_caught_by_its_anchor() -> None:
    anchor = anchor_of(chain(3)[2])
    assert verify([], keyed=keyed, anchor=anchor).first_bad == {"sequence": 1, "reason": "missing"}


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_grown_past_its_anchor_is_valid() -> None:
    entries = chain(6)
    assert verify(entries, keyed=keyed, anchor=anchor_of(entries[2])).valid


@pytest.mark.clause("P2.5", "P5")
def test_a_newest_entry_without_a_mac_is_caught() -> None:
    entries = chain(4)
    entries[3] = replace(entries[3], mac="")
    assert verify(entries, keyed=keyed).first_bad == {"sequence": 4, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_appends_after_a_rewrite_do_not_hide_it() -> None:
    entries = chain(5)
    forged = chained([replace(e, actor="mallory") for e in entries], None)
    honest_append = chained([*forged, replace(entries[0], sequence=6)])[5]  # keyed, links on
    result = verify([*forged, honest_append], keyed=keyed)
    assert result.first_bad == {"sequence": 1, "reason": "changed"}


@pytest.mark.clause("P2.5", "P5")
def test_kms_is_asked_only_about_the_entries_newer_than_the_anchor() -> None:
    asked: list[int] = []

    def counted(entry: Entry) -> bool:
        asked.append(entry.sequence)
        return keyed(entry)

    entries = chain(64)
    assert verify(entries, keyed=counted, anchor=anchor_of(entries[60])).valid
    assert asked == [62, 63, 64]


@pytest.mark.clause("P2.5", "P5")
def test_the_anchor_job_checks_that_new_entries_link_on_from_the_anchor_and_are_keyed() -> None:
    entries = chain(6)
    anchor = anchor_of(entries[2])
    assert verify_extension(entries[3:], keyed=keyed, anchor=anchor) is None
    assert verify_extension(entries, keyed=keyed, anchor=None) is None
    assert verify_extension(entries[4:], keyed=keyed, anchor=anchor) == {
        "sequence": 4,
        "reason": "missing",
    }
    forged = chained([replace(e, actor="mallory") for e in entries], None)
    assert verify_extension(forged[3:], keyed=keyed, anchor=anchor) == {
        "sequence": 4,
        "reason": "out of order",
    }
    unkeyed = [*entries[3:5], replace(entries[5], mac="")]
    assert verify_extension(unkeyed, keyed=keyed, anchor=anchor) == {
        "sequence": 6,
        "reason": "changed",
    }


@pytest.mark.clause("P2.5", "P5")
def test_a_chain_verifies_against_its_newest_anchor_linked_to_the_one_below() -> None:
    entries = chain(6)
    first = stored(entries[2], None)
    assert verified(entries, first) is None
    assert verified(entries, stored(entries[5], first), first) is None


@pytest.mark.clause("P2.5", "P5")
def test_an_anchor_forged_at_a_higher_sequence_over_a_rewritten_chain_fails_verification() -> None:
    """Whoever can write the table and the bucket but not use the audit key rewrites the entries
    after the newest anchor and anchors them higher up, linked to that anchor as the job would."""
    entries = chain(6)
    genuine = stored(entries[3], None)
    rewritten = chained([*entries[:4], *(replace(e, actor="mallory") for e in entries[4:])], None)
    forged = stored(rewritten[5], genuine, key=b"not the audit key")
    assert forged.anchor is not None
    # The newest anchor alone, as it was verified before anchors were chained, passes it:
    assert verify(rewritten, keyed=keyed, anchor=forged.anchor).valid
    assert verified(rewritten, forged, genuine) == {"sequence": 6, "reason": "forged anchor"}


@pytest.mark.clause("P2.5", "P5")
def test_an_object_that_holds_no_anchor_of_its_place_is_a_forged_anchor() -> None:
    entries = chain(3)
    copied = stored(entries[2], None)
    elsewhere = AnchorObject(7, copied.sha256, None)  # a genuine anchor's bytes under key 7
    assert verified(entries, elsewhere, copied) == {"sequence": 7, "reason": "forged anchor"}


@pytest.mark.clause("P2.5", "P5")
def test_an_anchor_slipped_in_below_the_newest_breaks_the_chain() -> None:
    entries = chain(6)
    first = stored(entries[1], None)
    newest = stored(entries[5], first)
    slipped = stored(entries[3], first, key=b"not the audit key")
    assert verified(entries, newest, slipped) == {"sequence": 6, "reason": "anchor chain broken"}


@pytest.mark.clause("P2.5", "P5")
def test_a_keyed_anchor_that_does_not_name_the_one_below_breaks_the_chain() -> None:
    """Made with the key (the anchor job's code replaced: alarmed) but not linked to the newest
    anchor, it would let a chain rewritten below that anchor verify."""
    entries = chain(6)
    genuine = stored(entries[3], None)
    rewritten = chained([replace(e, actor="mallory") for e in entries])  # keyed: a key holder
    unlinked = stored(rewritten[5], None)
    assert verify(rewritten, keyed=keyed, anchor=unlinked.anchor).valid
    assert verified(rewritten, unlinked, genuine) == {
        "sequence": 6,
        "reason": "anchor chain broken",
    }


@pytest.mark.clause("P5")
def test_masks_keep_enough_to_recognise() -> None:
    assert masking.name("Nguyễn Văn An") == "N*** V** A*"
    assert masking.email("an.nguyen@example.com") == "a***@example.com"
    assert masking.phone("+84967915569") == "+84******569"
    assert masking.phone("+14155552671") == "+1*******671"
