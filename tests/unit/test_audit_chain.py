"""P2.5: the audit chain's verifier names the first changed, missing or reordered entry."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from ongpt import masking
from ongpt.audit import GENESIS, Entry, verify

pytestmark = pytest.mark.clause("P2.5", "P5")


def chain(length: int) -> list[Entry]:
    entries: list[Entry] = []
    previous = GENESIS
    for sequence in range(1, length + 1):
        draft = Entry(
            "c1",
            sequence,
            "2026-11-25T00:00:00.000000Z",
            "alice",
            "support",
            "customer.read",
            "customer_support",
            {},
            previous,
        )
        entry = Entry(**{**asdict(draft), "hash": draft.computed_hash()})
        entries.append(entry)
        previous = entry.hash
    return entries


def test_an_untouched_chain_is_valid() -> None:
    result = verify(chain(5))
    assert result.valid
    assert result.checked == 5


def test_a_changed_entry_is_named() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], purpose="legal_request")
    assert verify(entries).first_bad == {"sequence": 3, "reason": "changed"}


def test_a_missing_entry_is_named() -> None:
    entries = chain(5)
    del entries[1]
    assert verify(entries).first_bad == {"sequence": 2, "reason": "missing"}


def test_entries_renumbered_into_another_order_are_caught() -> None:
    entries = chain(4)
    swapped = [
        entries[0],
        replace(entries[2], sequence=2),
        replace(entries[1], sequence=3),
        entries[3],
    ]
    resealed = [replace(e, hash=e.computed_hash()) for e in swapped]  # even with hashes redone
    assert verify(resealed).first_bad == {"sequence": 2, "reason": "out of order"}


def test_masks_keep_enough_to_recognise() -> None:
    assert masking.name("Nguyễn Văn An") == "N*** V** A*"
    assert masking.email("an.nguyen@example.com") == "a***@example.com"
    assert masking.phone("+84967915569") == "+84******569"
    assert masking.phone("+14155552671") == "+1*******671"
