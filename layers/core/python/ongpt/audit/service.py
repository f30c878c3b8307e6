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

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ongpt.audit.anchors import AnchoredVerifier
    from ongpt.audit.store import AuditLog
    from ongpt.platform.caller import Caller
    from ongpt.platform.pages import Page, PageRequest


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
