"""Erasure (GDPR 17): closed accounts past their grace period, crypto-shredded; the ledger."""
