"""DynamoDB access for the account lifecycle (keys in ``ongpt.storage.tables``).

Closure lives on the profile (``CUSTOMER#<id>`` / ``PROFILE``): ``status`` ``CLOSING``,
``closed_at``, ``erase_after``, and ``status_key`` ``CUSTOMER#CLOSING`` instead of the active
shard, so the announcements' ``by-status`` reads no longer find the customer and the erasure job
finds the closing ones (``due_page``). Legal holds are ``CUSTOMER#<id>`` / ``HOLD#<id>``
(``status`` ``ACTIVE`` or ``RELEASED``, optional ``until``), with a pointer
``LEGALHOLD#<id>`` / ``POINTER`` for staff who know only the hold's id. Recoveries are
``RECOVERY#<id>`` in the Registrations table (``ongpt.storage.code_rounds``), with a TTL.

Placing a hold also adds one to the profile's ``holds_placed``, on condition that the account is
neither ``ERASING`` nor ``ERASED``: the erasure's move to ``ERASING`` requires the count it read
before it read the holds (``ongpt.erasure``), so a hold and the erasure's decision are ordered by
the profile item, and neither can miss the other.

For the erasure job: ``LifecycleStore.due_page(now, after, limit)`` lists, a page at a time, the
ids of the customers whose grace period has passed (``CLOSING``, and ``ERASING`` ones a run left
unfinished), and
``has_active_hold(customer_id, now)`` says whether one of their holds stops the erasure.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ongpt.customers.store import PROFILE, active_shard
from ongpt.platform.clock import timestamp
from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.storage.code_rounds import CodeRounds
from ongpt.storage.dynamo import (
    from_item,
    key,
    partitioned_page,
    pointed_customer,
    query_all,
    query_page,
    to_item,
    with_pointer,
)
from ongpt.storage.replays import made_by
from ongpt.storage.tables import BY_STATUS, CUSTOMER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef, TransactWriteItemTypeDef

CLOSING_KEY = "CUSTOMER#CLOSING"
ERASING, ERASED = "ERASING", "ERASED"  # the erasure's states: no hold, no reactivation
HOLDS_PLACED = "holds_placed"  # on the profile: one more with each hold (``adding_hold``)
HOLD = "HOLD#"
RECOVERY = "RECOVERY#{}"


def _hold_pointer(hold_id: str) -> str:
    return f"LEGALHOLD#{hold_id}"


class RecoveryStore(CodeRounds):
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        super().__init__(dynamodb, table, RECOVERY)


class LifecycleStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    # Closure and reactivation: transaction items, the profile's move conditional on its status
    def closing(self, customer_id: str, values: dict[str, Any]) -> TransactWriteItemTypeDef:
        """The profile to ``CLOSING`` with ``values`` (``closed_at``, ``erase_after``...), if the
        customer is ``ACTIVE``."""
        changes = {**values, "status": "CLOSING", "status_key": CLOSING_KEY}
        return self._move(customer_id, "ACTIVE", changes, ())

    def reopening(
        self, customer_id: str, at: str, sealed_note: str, request_id: str
    ) -> TransactWriteItemTypeDef:
        """The profile back to ``ACTIVE`` (and its announcement shard), with the staff's note
        sealed and the request that reopened it, if it is ``CLOSING``."""
        changes = {
            "status": "ACTIVE",
            "status_key": active_shard(customer_id),
            "updated_at": at,
            "reactivation_note": sealed_note,
            **made_by(request_id),
        }
        return self._move(customer_id, "CLOSING", changes, ("erase_after", "closed_at"))

    def _move(
        self,
        customer_id: str,
        from_status: str,
        changes: dict[str, Any],
        removed: tuple[str, ...],
    ) -> TransactWriteItemTypeDef:
        update = "SET " + ", ".join(f"#{k} = :{k}" for k in changes)
        if removed:
            update += " REMOVE " + ", ".join(f"#{k}" for k in removed)
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": update,
                "ConditionExpression": "#status = :from",
                "ExpressionAttributeNames": {f"#{k}": k for k in (*changes, *removed)},
                "ExpressionAttributeValues": to_item(
                    {**{f":{k}": v for k, v in changes.items()}, ":from": from_status}
                ),
            }
        }

    def due_page(self, now: datetime, after: Position, limit: int) -> Page[tuple[str, Position]]:
        """A page of the ids of the customers whose grace period ended at or before ``now``
        (index ``by-status``, partition ``CUSTOMER#CLOSING``: ``CLOSING`` accounts, and
        ``ERASING`` ones until their erasure is finished), from ``after``, each with the position
        after it. An index read may be stale: the erasure decides on the profile itself."""
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "IndexName": BY_STATUS.name,
            "KeyConditionExpression": "status_key = :closing",
            "FilterExpression": "erase_after <= :now",
            "ExpressionAttributeValues": to_item({":closing": CLOSING_KEY, ":now": timestamp(now)}),
            "ProjectionExpression": "pk, sk, status_key, created_at",
        }
        keys = ("pk", "sk", BY_STATUS.partition_key, BY_STATUS.sort_key)
        found = partitioned_page(self._db, [query], after, limit, keys)
        return Page(
            [(str(due["pk"]).removeprefix("CUSTOMER#"), at) for due, at in found.items],
            found.after,
        )

    # Legal holds
    def adding_hold(self, values: dict[str, Any]) -> list[TransactWriteItemTypeDef]:
        """The transaction items that add a new hold and its pointer, and count it on the profile
        if the account is neither ``ERASING`` nor ``ERASED`` (that item last)."""
        customer_id = values["customer_id"]
        counted: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": f"ADD {HOLDS_PLACED} :one",
                "ConditionExpression": "attribute_exists(pk) AND #status <> :erasing "
                "AND #status <> :erased",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {":one": 1, ":erasing": ERASING, ":erased": ERASED}
                ),
            }
        }
        hold_id = values["hold_id"]
        hold_key = key(CUSTOMER.format(customer_id), HOLD + hold_id)
        return [*with_pointer(self._table, hold_key, values, _hold_pointer(hold_id)), counted]

    def hold(self, hold_id: str) -> dict[str, Any] | None:
        customer_id = pointed_customer(self._db, self._table, _hold_pointer(hold_id))
        if customer_id is None:
            return None
        found = self._db.get_item(
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), HOLD + hold_id),
            ConsistentRead=True,
        ).get("Item")
        return from_item(found) if found else None

    def releasing_hold(
        self, customer_id: str, hold_id: str, values: dict[str, Any]
    ) -> TransactWriteItemTypeDef:
        """The transaction item that marks the hold ``RELEASED`` with ``values``, if it is
        active."""
        changes = {**values, "status": "RELEASED"}
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), HOLD + hold_id),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {f"#{k}": k for k in changes},
                "ExpressionAttributeValues": to_item(
                    {**{f":{k}": v for k, v in changes.items()}, ":active": "ACTIVE"}
                ),
            }
        }

    def _holds_of(self, customer_id: str) -> QueryInputTypeDef:
        return {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :hold)",
            "ExpressionAttributeValues": to_item(
                {":pk": CUSTOMER.format(customer_id), ":hold": HOLD}
            ),
            "ConsistentRead": True,
        }

    def holds_of(self, customer_id: str) -> list[dict[str, Any]]:
        """Every hold of the customer, active and released, oldest first."""
        holds = query_all(self._db, **self._holds_of(customer_id))
        return sorted(holds, key=lambda h: str(h["created_at"]))

    def page_of_holds(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's holds, active and released, by id."""
        return query_page(self._db, page, **self._holds_of(customer_id))

    def has_active_hold(self, customer_id: str, now: datetime) -> bool:
        """Whether a hold of the customer is active at ``now``: not released, and its ``until``
        (if any) not passed. Such a hold stops the erasure, never a closure."""
        at = timestamp(now)
        return any(
            h["status"] == "ACTIVE" and (h.get("until") is None or str(h["until"]) > at)
            for h in self.holds_of(customer_id)
        )
