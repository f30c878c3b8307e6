"""The policy in force and the customer's consents (P3)."""
