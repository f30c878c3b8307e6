"""DynamoDB access for complaints: ``COMPLAINT#<id>`` / ``COMPLAINT``, the staff queue of each
status (index ``by-status``, ``COMPLAINT#<status>``, oldest first), a pointer
``CUSTOMER#<id>`` / ``COMPLAINT#<filed at>#<id>`` in a customer's partition for each of their
complaints (their list, oldest first), and ``COMPLAINTREF#<reference>`` / ``REFERENCE``, which
holds a reference for one complaint only (its id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ongpt.platform.errors import Conflict
from ongpt.platform.pages import Page, PageRequest
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    TransactionConflict,
    batch_get,
    from_item,
    key,
    query_page,
    to_item,
    transact,
)
from ongpt.storage.tables import BY_STATUS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _key(complaint_id: str) -> dict[str, Any]:
    return key(f"COMPLAINT#{complaint_id}", "COMPLAINT")


def _queue(status: str) -> str:
    return f"COMPLAINT#{status}"


def _put_new(table: str, item: dict[str, Any]) -> TransactWriteItemTypeDef:
    return {
        "Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    }


class ReferenceTaken(Exception):
    """Another complaint holds the reference: nothing was written."""


class ComplaintStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add(self, record: dict[str, Any], along: Sequence[TransactWriteItemTypeDef] = ()) -> None:
        """The complaint, its reference's item, for a customer's its pointer in their partition,
        and ``along`` (its data key's item, counters, notices): all or none. ``ReferenceTaken``
        if only the reference is another complaint's, else ``TransactionConflict`` if a
        condition failed (the complaint exists, a counter is full)."""
        try:
            transact(self._db, [*self.adding(record), *along])
        except TransactionConflict as conflict:
            if conflict.failed == (0,):
                raise ReferenceTaken(record["reference"]) from None
            raise

    def adding(self, record: dict[str, Any]) -> list[TransactWriteItemTypeDef]:
        """The transaction items of a new complaint: its reference's item (first), the complaint
        and, for a customer's, its pointer in their partition."""
        complaint_id, customer_id = record["complaint_id"], record.get("customer_id")
        reference = key(f"COMPLAINTREF#{record['reference']}", "REFERENCE")
        items = [
            _put_new(self._table, reference | to_item({"complaint_id": complaint_id})),
            _put_new(
                self._table,
                {
                    **_key(complaint_id),
                    **to_item({**record, "status_key": _queue(record["status"])}),
                },
            ),
        ]
        if customer_id:
            mine = key(
                f"CUSTOMER#{customer_id}", f"COMPLAINT#{record['created_at']}#{complaint_id}"
            )
            items.append(_put_new(self._table, mine | to_item({"complaint_id": complaint_id})))
        return items

    @tracer.capture_method
    def get(self, complaint_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=_key(complaint_id), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def in_status(self, status: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the complaints in a state, oldest first."""
        return query_page(
            self._db,
            page,
            index=BY_STATUS,
            TableName=self._table,
            KeyConditionExpression="status_key = :s",
            ExpressionAttributeValues=to_item({":s": _queue(status)}),
        )

    def moving(
        self, complaint_id: str, from_status: str, changes: dict[str, Any]
    ) -> list[TransactWriteItemTypeDef]:
        """The transaction item that makes ``changes`` (``status`` among them) if the complaint
        is still ``from_status`` (for a write that audits it, e.g. a customer's complaint)."""
        values = {**changes, "status_key": _queue(changes["status"])}
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _key(complaint_id),
                    "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in values),
                    "ConditionExpression": "#status = :from",
                    "ExpressionAttributeNames": {f"#{k}": k for k in values},
                    "ExpressionAttributeValues": to_item(
                        {**{f":{k}": v for k, v in values.items()}, ":from": from_status}
                    ),
                }
            }
        ]

    @tracer.capture_method
    def move(
        self,
        complaint_id: str,
        from_status: str,
        changes: dict[str, Any],
        along: Sequence[TransactWriteItemTypeDef] = (),
    ) -> None:
        """``moving`` with ``along`` (its outbox items) in one transaction (a guest's complaint,
        which no audit chain records); ``Conflict`` if the complaint moved meanwhile, or if a
        concurrent write of it kept cancelling the transaction (``LostRace``; API.md v1.2, Lost
        races: 409, never 503)."""
        try:
            self._transact([*self.moving(complaint_id, from_status, changes), *along])
        except TransactionConflict:
            raise Conflict("The complaint changed meanwhile.") from None

    def _transact(self, items: Sequence[TransactWriteItemTypeDef]) -> None:
        transact(self._db, items)

    @tracer.capture_method
    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's complaints, oldest first: their pointers, then the
        complaints they point to, a hundred a read (``BatchGetItem``)."""
        pointers = query_page(
            self._db,
            page,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
            ExpressionAttributeValues=to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":c": "COMPLAINT#"}
            ),
        )
        ids = [str(pointer["complaint_id"]) for pointer in pointers.items]
        found = {
            c["complaint_id"]: c for c in batch_get(self._db, self._table, [_key(i) for i in ids])
        }
        return Page([found[i] for i in ids if i in found], pointers.after)
