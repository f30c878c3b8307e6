"""Requests to change contact details: verified, reviewed, applied (P3.2)."""
