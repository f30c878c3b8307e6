"""Announcements to customers who consented (P3.4)."""
