"""Reading a customer's audit chain (GET /v1/staff/audit) is itself an entry of it (P5), written
before the chain is returned, and the chain comes back verified against its newest anchor."""

from __future__ import annotations

import json

import pytest

from ongpt.audit.anchors import AnchoredVerifier
from ongpt.audit.models import GENESIS, Anchor
from ongpt.audit.service import AuditReader
from ongpt.platform.caller import Caller
from ongpt.platform.pages import PageRequest
from tests.support.fakes import FakeAnchorStore, FakeAuditLog

COMPLIANCE = Caller(kind="staff", id="carol", role="compliance")
FIRST_PAGE = PageRequest(50)


def _reader() -> tuple[AuditReader, FakeAuditLog, FakeAnchorStore]:
    audit_log, anchor_store = FakeAuditLog(), FakeAnchorStore()
    verifier = AnchoredVerifier(audit_log.chain_key, anchor_store, audit_log)
    return AuditReader(audit_log, verifier), audit_log, anchor_store


@pytest.mark.clause("P5")
def test_a_read_is_audited_by_its_reader_before_the_chain_is_returned() -> None:
    reader, audit_log, _ = _reader()
    audit_log.append("c-1", actor="alice", role="support", action="customer.read")
    entries, verification = reader.read(COMPLIANCE, "c-1", FIRST_PAGE)
    assert [(e["actor"], e["role"], e["action"]) for e in entries.items] == [
        ("alice", "support", "customer.read"),
        ("carol", "compliance", "audit.read"),
    ]
    assert verification == {"valid": True, "checked": 2, "first_bad": None}


def test_an_id_without_a_chain_is_answered_empty_and_nothing_is_written() -> None:
    reader, audit_log, _ = _reader()
    entries, verification = reader.read(COMPLIANCE, "nobody", FIRST_PAGE)
    assert (entries.items, entries.after) == ([], None)
    assert verification == {"valid": True, "checked": 0, "first_bad": None}
    assert audit_log.appended == []


@pytest.mark.clause("P2.5")
def test_a_chain_cut_at_its_anchor_reads_as_broken_though_the_read_extends_it() -> None:
    reader, audit_log, anchor_store = _reader()
    for _ in range(2):
        second = audit_log.append("c-1", actor="alice", role="support", action="customer.read")
    anchor = Anchor("c-1", second.sequence, second.hash, second.mac, second.at)
    anchor_store.put(audit_log.chain_key.keyed(anchor))
    audit_log.appended.remove(second)
    _, verification = reader.read(COMPLIANCE, "c-1", FIRST_PAGE)
    assert verification["valid"] is False
    assert verification["first_bad"] == {"sequence": 2, "reason": "changed"}  # not the anchored
    assert audit_log.head("c-1") != second


NOT_AN_ANCHOR = {  # an anchor's fields, but a MAC that is no text
    **{"subject": "c-1", "sequence": 1, "hash": "00", "mac": "", "anchored_at": "2026-11-25"},
    **{"previous_sequence": 0, "previous_sha256": GENESIS, "anchor_mac": 5},
}


@pytest.mark.clause("P2.5")
@pytest.mark.parametrize("body", [b"not json", b"[1]", json.dumps(NOT_AN_ANCHOR).encode()])
def test_an_object_that_holds_no_anchor_reads_as_a_forged_anchor(body: bytes) -> None:
    """Whoever could write the bucket wrote it: the read answers, and names it."""
    reader, audit_log, anchor_store = _reader()
    audit_log.append("c-1", actor="alice", role="support", action="customer.read")
    anchor_store.bucket.objects[f"c-1/{10**12 - 1:012d}.json"] = body  # sequence 1's name
    _, verification = reader.read(COMPLIANCE, "c-1", FIRST_PAGE)
    assert verification["first_bad"] == {"sequence": 1, "reason": "forged anchor"}
