"""DynamoDB access for registrations (keys in ``ongpt.storage.tables``): pending sign-ups proven
by codes, ``REGISTRATION#<id>`` (``ongpt.storage.code_rounds``)."""

from __future__ import annotations

from typing import Any

from ongpt.storage.code_rounds import CodeRounds

REGISTRATION = "REGISTRATION#{}"


class RegistrationStore(CodeRounds):
    def __init__(self, dynamodb: Any, table: str) -> None:
        super().__init__(dynamodb, table, REGISTRATION)

    def completion(self, registration_id: str, completed_at: str, limit: int) -> dict[str, Any]:
        """The transaction item that closes a registration: once, and only if not locked."""
        return self.finish(registration_id, "COMPLETED", completed_at, limit)
