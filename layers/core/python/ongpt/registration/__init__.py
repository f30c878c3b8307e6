"""Sign-up: a registration proven by two codes becomes a customer (P1, P2.3)."""
