"""DynamoDB access for contracts: ``CUSTOMER#<id>`` / ``CONTRACT#<id>``, a pointer
``CONTRACTREF#<id>`` / ``POINTER`` for staff who know only the contract, and the
``by-expiry-day`` index. Writes are transaction items, committed with their audit entry and
notices (``AuditLog.append``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    batch_get,
    from_item,
    key,
    partitioned_page,
    pointed_customer,
    query_page,
    to_item,
    with_pointer,
)
from ongpt.storage.replays import made_by
from ongpt.storage.tables import BY_EXPIRY_DAY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef, TransactWriteItemTypeDef


def _pointer(contract_id: str) -> str:
    return f"CONTRACTREF#{contract_id}"


def _key(customer_id: str, contract_id: str) -> dict[str, Any]:
    return key(f"CUSTOMER#{customer_id}", f"CONTRACT#{contract_id}")


class ContractStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    def adding(self, values: dict[str, Any]) -> list[TransactWriteItemTypeDef]:
        """The transaction items that add a new contract and its pointer."""
        contract_id, customer_id = values["contract_id"], values["customer_id"]
        return with_pointer(
            self._table, _key(customer_id, contract_id), values, _pointer(contract_id)
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

    def renewing(
        self,
        customer_id: str,
        contract_id: str,
        expires_at: str,
        shard: str,
        at: str,
        request_id: str,
    ) -> TransactWriteItemTypeDef:
        """The transaction item that moves the contract's expiry to ``expires_at``, by the
        request ``request_id``, if the contract exists and expires before that: a renewal never
        moves it earlier, whichever of two concurrent renewals commits last."""
        changes = {"expires_at": expires_at, "expiry_shard": shard, "updated_at": at}
        changes |= made_by(request_id)
        return {
            "Update": {
                "TableName": self._table,
                "Key": _key(customer_id, contract_id),
                "UpdateExpression": "SET " + ", ".join(f"{k} = :{k}" for k in changes),
                "ConditionExpression": "attribute_exists(pk) AND expires_at < :expires_at",
                "ExpressionAttributeValues": to_item({f":{k}": v for k, v in changes.items()}),
            }
        }

    @tracer.capture_method
    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's contracts, by id."""
        return query_page(
            self._db,
            page,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :contract)",
            ExpressionAttributeValues=to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":contract": "CONTRACT#"}
            ),
        )

    @tracer.capture_method
    def as_written(self, contracts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The contracts as last written, by id (read consistently, batched): an index's item
        may still show a contract as it was before a renewal moved it."""
        keys = [_key(c["customer_id"], c["contract_id"]) for c in contracts]
        return {c["contract_id"]: c for c in batch_get(self._db, self._table, keys)}

    @tracer.capture_method
    def due_page(self, partitions: list[str], after: Position, limit: int) -> Page[dict[str, Any]]:
        """A page of the contracts whose expiry day is these index partitions (one per shard),
        read one partition after another from ``after``."""
        queries: list[QueryInputTypeDef] = [
            {
                "TableName": self._table,
                "IndexName": BY_EXPIRY_DAY.name,
                "KeyConditionExpression": "expiry_shard = :shard",
                "ExpressionAttributeValues": to_item({":shard": partition}),
            }
            for partition in partitions
        ]
        keys = (BY_EXPIRY_DAY.partition_key, BY_EXPIRY_DAY.sort_key, "pk", "sk")
        found = partitioned_page(self._db, queries, after, limit, keys)
        return Page([contract for contract, _ in found.items], found.after)
