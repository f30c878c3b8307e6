"""Staff reads of customer data: purpose-bound, masked, audited (P5)."""
