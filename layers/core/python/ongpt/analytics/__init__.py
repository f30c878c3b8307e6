"""Anonymous product analytics, kept apart from personal data (P4)."""
