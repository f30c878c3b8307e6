"""Contracts, their confirmations and renewal reminders (P6.1)."""
