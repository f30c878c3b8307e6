"""Complaints and their resolution (P6.2)."""
