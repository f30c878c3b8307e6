"""Scheduled jobs in bounded pages, continued from a checkpoint (DESIGN.md, Bounded work)."""
