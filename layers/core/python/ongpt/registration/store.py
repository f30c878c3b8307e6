"""DynamoDB access for registrations (keys in ``ongpt.storage.tables``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    count_failure,
    from_item,
    key,
    to_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

REGISTRATION = "REGISTRATION#{}"
# What a completed registration no longer keeps (it is gone a day later, by TTL).
COMPLETED_REMOVES = ("full_name", "email", "phone", "optional", "dek", "email_index", "phone_index")


class RegistrationStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add(self, registration_id: str, values: dict[str, Any]) -> None:
        self._db.put_item(
            TableName=self._table,
            Item=to_item({"pk": REGISTRATION.format(registration_id), **values}),
            ConditionExpression="attribute_not_exists(pk)",
        )

    @tracer.capture_method
    def get(self, registration_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=key(REGISTRATION.format(registration_id)),
            ConsistentRead=True,
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def count_failure(self, registration_id: str, limit: int) -> int:
        """One more wrong try; the new count. Never past ``limit``."""
        return count_failure(
            self._db, self._table, key(REGISTRATION.format(registration_id)), limit
        )

    @tracer.capture_method
    def replace_codes(
        self, registration_id: str, changes: dict[str, Any], sent_before: str
    ) -> bool:
        """A new round of codes and its times, if nobody resent since ``sent_before``; whether
        it did."""
        names = {f"#{k}": k for k in changes}
        values = {f":{k}": v for k, v in changes.items()}
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(REGISTRATION.format(registration_id)),
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                ConditionExpression="last_sent_at = :before AND #status = :pending",
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues=to_item(
                    {**values, ":before": sent_before, ":pending": "PENDING_VERIFICATION"}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @tracer.capture_method
    def update(self, registration_id: str, values: dict[str, Any]) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=key(REGISTRATION.format(registration_id)),
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
            ExpressionAttributeNames={f"#{k}": k for k in values},
            ExpressionAttributeValues=to_item({f":{k}": v for k, v in values.items()}),
        )

    @tracer.capture_method
    def claim_code(self, registration_id: str, channel: str, round_: int, hashed: str) -> bool:
        """Set the channel's code for ``round_`` if that is the registration's current round and
        its code was not set in it yet: a late message of an older round never replaces a newer
        code."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(REGISTRATION.format(registration_id)),
                UpdateExpression="SET #code = :code, #round = :round",
                ConditionExpression=(
                    "#status = :pending AND #current = :round"
                    " AND (attribute_not_exists(#round) OR #round < :round)"
                ),
                ExpressionAttributeNames={
                    "#code": f"{channel}_code",
                    "#round": f"{channel}_round",
                    "#current": "round",
                    "#status": "status",
                },
                ExpressionAttributeValues=to_item(
                    {":code": hashed, ":round": round_, ":pending": "PENDING_VERIFICATION"}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @tracer.capture_method
    def release_code(self, registration_id: str, channel: str, round_: int) -> None:
        """The code of a send that failed: gone, so that the retry sends a new one; unless a
        newer round set it meanwhile."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(REGISTRATION.format(registration_id)),
                UpdateExpression="REMOVE #code, #round",
                ConditionExpression="#round = :round",
                ExpressionAttributeNames={"#code": f"{channel}_code", "#round": f"{channel}_round"},
                ExpressionAttributeValues=to_item({":round": round_}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def completion(
        self, registration_id: str, completed_at: str, limit: int
    ) -> TransactWriteItemTypeDef:
        """The transaction item that closes a registration: once, and only if not locked. Its
        sealed values, their key and the blind indexes go: the profile holds them now."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(REGISTRATION.format(registration_id)),
                "UpdateExpression": "SET #status = :done, completed_at = :at REMOVE "
                + ", ".join(COMPLETED_REMOVES),
                "ConditionExpression": "#status = :pending AND attempts < :limit",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":done": "COMPLETED",
                        ":at": completed_at,
                        ":pending": "PENDING_VERIFICATION",
                        ":limit": limit,
                    }
                ),
            }
        }
