"""DynamoDB access for contracts: ``CUSTOMER#<id>`` / ``CONTRACT#<id>``, a pointer
``CONTRACTREF#<id>`` / ``POINTER`` for staff who know only the contract, the ``by-expiry-day``
index, and the reminder markers ``REMINDER#<contract>#<expiry>#<window>#<channel>``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ongpt.platform.clock import parse, timestamp
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    from_item,
    key,
    pointed_customer,
    put_with_pointer,
    query_all,
    to_item,
)
from ongpt.storage.tables import BY_EXPIRY_DAY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# A claim older than this was left by a run that died (the job times out after 5 minutes).
STALE_CLAIM = timedelta(minutes=15)


def _pointer(contract_id: str) -> str:
    return f"CONTRACTREF#{contract_id}"


def _key(customer_id: str, contract_id: str) -> dict[str, Any]:
    return key(f"CUSTOMER#{customer_id}", f"CONTRACT#{contract_id}")


@dataclass(frozen=True)
class Reminder:
    """One renewal invitation: a contract's expiry, a window before it (days), a channel."""

    customer_id: str
    contract_id: str
    expires_at: str
    days: int
    channel: str


def _marker(reminder: Reminder) -> dict[str, Any]:
    what = f"{reminder.contract_id}#{reminder.expires_at}#{reminder.days}#{reminder.channel}"
    return key(f"CUSTOMER#{reminder.customer_id}", f"REMINDER#{what}")


class ContractStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add(self, values: dict[str, Any]) -> None:
        contract_id, customer_id = values["contract_id"], values["customer_id"]
        put_with_pointer(
            self._db, self._table, _key(customer_id, contract_id), values, _pointer(contract_id)
        )

    @tracer.capture_method
    def find(self, contract_id: str) -> dict[str, Any] | None:
        customer_id = pointed_customer(self._db, self._table, _pointer(contract_id))
        if customer_id is None:
            return None
        found = self._db.get_item(
            TableName=self._table, Key=_key(customer_id, contract_id), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def renew(
        self, customer_id: str, contract_id: str, expires_at: str, shard: str, at: str
    ) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=_key(customer_id, contract_id),
            UpdateExpression="SET expires_at = :e, expiry_shard = :s, updated_at = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=to_item({":e": expires_at, ":s": shard, ":at": at}),
        )

    @tracer.capture_method
    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :contract)",
            ExpressionAttributeValues=to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":contract": "CONTRACT#"}
            ),
        )

    @tracer.capture_method
    def due_on(self, partitions: list[str]) -> list[dict[str, Any]]:
        """The contracts whose expiry day is these index partitions (one per shard)."""
        return [
            item
            for partition in partitions
            for item in query_all(
                self._db,
                TableName=self._table,
                IndexName=BY_EXPIRY_DAY.name,
                KeyConditionExpression="expiry_shard = :shard",
                ExpressionAttributeValues=to_item({":shard": partition}),
            )
        ]

    @tracer.capture_method
    def claim_reminder(self, reminder: Reminder, at: str) -> bool:
        """Whether this run sends the reminder: nobody did, or a run that died claimed it."""
        stale = timestamp(parse(at) - STALE_CLAIM)
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    **_marker(reminder),
                    **to_item({"state": "CLAIMED", "claimed_at": at}),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#state = :claimed AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item({":claimed": "CLAIMED", ":stale": stale}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @tracer.capture_method
    def mark_reminder(self, reminder: Reminder, state: str) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=_marker(reminder),
            UpdateExpression="SET #state = :state",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=to_item({":state": state}),
        )
