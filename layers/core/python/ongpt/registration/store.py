"""DynamoDB access for registrations (keys in ``ongpt.storage.tables``): sign-ups proven by codes,
``REGISTRATION#<id>`` (``ongpt.storage.code_rounds``), pending, then ``VERIFIED`` by the request
whose codes were right while it makes the account, then ``COMPLETED``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.storage.code_rounds import CodeRounds

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

REGISTRATION = "REGISTRATION#{}"
VERIFIED = "VERIFIED"  # its codes accepted by a request that is making the account
COMPLETED = "COMPLETED"
# What a completed registration no longer keeps (it is gone a day later, by TTL).
COMPLETED_REMOVES = ("full_name", "email", "phone", "optional", "dek", "email_index", "phone_index")


class RegistrationStore(CodeRounds):
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        super().__init__(dynamodb, table, REGISTRATION)

    def completion(
        self, registration_id: str, request_id: str, values: dict[str, Any]
    ) -> TransactWriteItemTypeDef:
        """The transaction item that closes a registration the request ``request_id`` verified,
        with ``values`` (the customer it made, when): only then, and once. Its sealed values,
        their key and the blind indexes go: the profile holds them now."""
        return self.finish(
            registration_id, VERIFIED, request_id, COMPLETED, values, COMPLETED_REMOVES
        )
