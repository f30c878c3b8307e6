"""Account lifecycle: sign-out, recovery, closure and reactivation, legal holds."""
