"""DynamoDB access for registrations (keys in ``ongpt.storage.tables``): pending sign-ups proven
by codes, ``REGISTRATION#<id>`` (``ongpt.storage.code_rounds``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform import settings
from ongpt.storage.code_rounds import CodeRounds

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

REGISTRATION = "REGISTRATION#{}"
# What a completed registration no longer keeps (it is gone a day later, by TTL).
COMPLETED_REMOVES = ("full_name", "email", "phone", "optional", "dek", "email_index", "phone_index")


class RegistrationStore(CodeRounds):
    TABLE = settings.REGISTRATIONS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        super().__init__(dynamodb, table, REGISTRATION)

    def completion(
        self, registration_id: str, completed_at: str, limit: int, values: dict[str, Any]
    ) -> TransactWriteItemTypeDef:
        """The transaction item that closes a registration with ``values`` (the customer it
        made, the request that made it): once, and only if not locked. Its sealed values, their
        key and the blind indexes go: the profile holds them now."""
        return self.finish(
            registration_id, "COMPLETED", completed_at, limit, COMPLETED_REMOVES, values
        )
