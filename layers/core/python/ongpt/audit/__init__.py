"""The audit log: keyed hash chains, their anchors, and staff reads of it (P2.5, P5)."""
