"""Notices to customers: templates (vi, en), delivery by email and SMS, the notice log, send
limits."""
