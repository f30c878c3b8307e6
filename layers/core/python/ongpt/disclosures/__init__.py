"""Disclosures of personal data to third parties and authorities (P3.5)."""
