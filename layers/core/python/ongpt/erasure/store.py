"""DynamoDB access of the erasure: the accounts due, their holds, their personal records, the
final transaction, and the erasure ledger (keys in ``ongpt.storage.tables``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ongpt.customers.store import PROFILE, CustomerStore
from ongpt.edits.store import OPEN_COUNT
from ongpt.lifecycle.store import ERASED, ERASING, HOLDS_PLACED
from ongpt.platform.clock import timestamp
from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.storage.dynamo import (
    POINTER,
    TransactionConflict,
    conditional_update,
    from_item,
    key,
    partitioned_page,
    query_page,
    to_item,
    transact,
)
from ongpt.storage.tables import BY_MONTH, CUSTOMER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
    )

CLOSING = "CUSTOMER#CLOSING"  # the ``by-status`` partition of accounts in their grace period
# The customer's records that erasure deletes; contracts, disclosures, complaints (shredded, their
# pointers in the customer's partition deleted) and legal holds stay under the opaque id (what the
# law makes us keep, with no contact).
DELETED = ("CONSENT#", "NOTICE#", "EDIT#")
# Records deleted in one transaction, each with at most one pointer: a transaction holds at most
# 100 items and 4 MB of them, an item at most 400 KB, so ten items are within both whatever they
# hold (Constraints in Amazon DynamoDB,
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
PER_TRANSACTION = 5
COMPLAINT_POINTER = "COMPLAINT#"
AUDITED = "erasure_audited_at"  # on the profile: the ``customer.erased`` entry was appended
# What an erased customer's complaint no longer holds: its sealed text and contact (their key, in
# the key store, is destroyed with them), and its place in the staff queues.
COMPLAINT_SEALED = ("subject", "message", "contact", "resolution", "status_key")
EDIT_POINTER = "EDITREQ#{}"
# What the erased profile no longer holds: every personal value and the keys that find it.
PERSONAL = ("full_name", "email", "phone", "optional", "email_index", "phone_index", "language")


@dataclass(frozen=True)
class Filed:
    """A complaint of the customer's, by its pointer in their partition."""

    pointer_pk: str
    pointer_sk: str
    complaint_id: str


def _delete(table: str, item_key: dict[str, AttributeValueTypeDef]) -> TransactWriteItemTypeDef:
    return {"Delete": {"TableName": table, "Key": item_key}}


class ErasureStore:
    def __init__(
        self,
        dynamodb: DynamoDBClient,
        customers_table: str,
        ledger_table: str,
        customer_store: CustomerStore,  # the address guards
    ) -> None:
        self._db, self._table, self._ledger = dynamodb, customers_table, ledger_table
        self._customers = customer_store

    # The decision, with the ledger's entry (ids and times only).
    def begin(self, customer_id: str, at: str, read: dict[str, Any]) -> bool:
        """``CLOSING`` -> ``ERASING`` and the ledger's entry (before anything is erased: a
        restore replays even an erasure that died half-way; a resumed one keeps its first
        time), in one transaction, if the profile is still ``CLOSING``, past ``erase_after`` at
        ``at``, and has the count of holds placed it had when ``read``. Whether it moved."""
        seen = read.get(HOLDS_PLACED)
        holds = "#holds = :seen" if seen is not None else "attribute_not_exists(#holds)"
        erasing: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": "SET #status = :erasing, erasing_at = :at",
                "ConditionExpression": f"#status = :closing AND erase_after <= :at AND {holds}",
                "ExpressionAttributeNames": {"#status": "status", "#holds": HOLDS_PLACED},
                "ExpressionAttributeValues": to_item(
                    {":erasing": ERASING, ":closing": "CLOSING", ":at": at, ":seen": seen}
                ),
            }
        }
        try:
            transact(self._db, [erasing, self._ledger_entry(customer_id, at)])
        except TransactionConflict:
            return False
        return True

    def resume(self, customer_id: str) -> bool:
        """After a restore: the account back to ``ERASING`` (the ledger says it was decided),
        unless it is ``ERASED`` or was never restored. Whether it is ``ERASING``."""
        return conditional_update(
            self._db,
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), PROFILE),
            UpdateExpression="SET #status = :erasing",
            ConditionExpression="attribute_exists(pk) AND #status <> :erased",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":erasing": ERASING, ":erased": ERASED}),
        )

    def _ledger_entry(self, customer_id: str, at: str) -> TransactWriteItemTypeDef:
        """The ledger's entry, written once: a second decision (a restored account decided
        again) keeps the first time."""
        return {
            "Update": {
                "TableName": self._ledger,
                "Key": to_item({"customer_id": customer_id}),
                "UpdateExpression": "SET started_at = if_not_exists(started_at, :at), "
                "#month = if_not_exists(#month, :month)",
                "ExpressionAttributeNames": {"#month": "month"},
                "ExpressionAttributeValues": to_item({":at": at, ":month": at[:7]}),
            }
        }

    def started_page(
        self, since: datetime, until: datetime, after: Position, limit: int
    ) -> Page[tuple[str, Position]]:
        """A page of the customers whose erasure started at or after ``since`` (index
        ``by-month``, a partition per month up to ``until``'s), from ``after``, each with the
        position after it."""
        months, month = [], datetime(since.astimezone(UTC).year, since.astimezone(UTC).month, 1)
        while (current := month.strftime("%Y-%m")) <= until.astimezone(UTC).strftime("%Y-%m"):
            months.append(current)
            month = (month + timedelta(days=32)).replace(day=1)
        queries: list[QueryInputTypeDef] = [
            {
                "TableName": self._ledger,
                "IndexName": BY_MONTH.name,
                "KeyConditionExpression": "#month = :month AND started_at >= :since",
                "ExpressionAttributeNames": {"#month": "month"},
                "ExpressionAttributeValues": to_item(
                    {":month": current, ":since": timestamp(since)}
                ),
                "ProjectionExpression": "customer_id, #month, started_at",
            }
            for current in months
        ]
        keys = ("customer_id", BY_MONTH.partition_key, BY_MONTH.sort_key)
        found = partitioned_page(self._db, queries, after, limit, keys)
        return Page([(str(entry["customer_id"]), at) for entry, at in found.items], found.after)

    # The customer's records.
    def profile(self, customer_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), PROFILE),
            ConsistentRead=True,
        ).get("Item")
        return from_item(found) if found else None

    def delete_personal_records(self, customer_id: str, limit: int) -> tuple[int, bool]:
        """At most ``limit`` of the customer's consents (with their history), notices and edit
        requests (with their pointers), deleted ``PER_TRANSACTION`` at a time, each with its
        pointer: how many, and whether none is left."""
        found: list[dict[str, Any]] = []
        for prefix in DELETED:
            if len(found) == limit:
                return self._deleted(found), False
            page = self._records(customer_id, prefix, limit - len(found), "edit_request_id")
            found += page.items
            if page.after is not None:
                return self._deleted(found), False
        return self._deleted(found), True

    def _records(
        self, customer_id: str, prefix: str, limit: int, id_name: str
    ) -> Page[dict[str, Any]]:
        """A page of the keys (and ``id_name``) of the customer's items whose sort key begins
        with ``prefix``, read consistently."""
        return query_page(
            self._db,
            PageRequest(limit),
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item(
                {":pk": CUSTOMER.format(customer_id), ":prefix": prefix}
            ),
            ProjectionExpression=f"pk, sk, {id_name}",
            ConsistentRead=True,
        )

    def _deleted(self, records: list[dict[str, Any]]) -> int:
        """``records`` deleted, each with its pointer, in transactions of ``PER_TRANSACTION``:
        how many."""
        for start in range(0, len(records), PER_TRANSACTION):
            deletes: list[TransactWriteItemTypeDef] = []
            for record in records[start : start + PER_TRANSACTION]:
                deletes.append(_delete(self._table, key(record["pk"], record["sk"])))
                if "edit_request_id" in record:
                    pointer = key(EDIT_POINTER.format(record["edit_request_id"]), POINTER)
                    deletes.append(_delete(self._table, pointer))
            transact(self._db, deletes)
        return len(records)

    def complaints_filed(self, customer_id: str, limit: int) -> Page[Filed]:
        """A page of the customer's complaints not yet shredded: their pointers left in the
        customer's partition (``shred_complaint`` deletes each)."""
        found = self._records(customer_id, COMPLAINT_POINTER, limit, "complaint_id")
        return found.map(lambda p: Filed(str(p["pk"]), str(p["sk"]), str(p["complaint_id"])))

    def shred_complaint(self, filed: Filed, also: list[TransactWriteItemTypeDef]) -> None:
        """In one transaction: the customer's complaint kept with its category and times only (its
        sealed text and contact removed, status ``ERASED``: out of the staff queues, no move
        allowed; the status it had kept as ``status_at_erasure``), its pointer in the customer's
        partition deleted, and ``also`` (its data key's destruction). Idempotent; a pointer
        without its complaint goes with ``also``."""
        shredded: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(f"COMPLAINT#{filed.complaint_id}", "COMPLAINT"),
                "UpdateExpression": "SET status_at_erasure = if_not_exists(status_at_erasure, "
                "#status), #status = :erased REMOVE "
                + ", ".join(f"#{name}" for name in COMPLAINT_SEALED),
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {
                    "#status": "status",
                    **{f"#{name}": name for name in COMPLAINT_SEALED},
                },
                "ExpressionAttributeValues": to_item({":erased": "ERASED"}),
            }
        }
        pointer = _delete(self._table, key(filed.pointer_pk, filed.pointer_sk))
        try:
            transact(self._db, [shredded, pointer, *also])
        except TransactionConflict:  # no complaint to shred
            transact(self._db, [pointer, *also])

    def auditing(self, customer_id: str, at: str) -> TransactWriteItemTypeDef:
        """The transaction item that records, with the ``customer.erased`` audit entry, that it
        was appended, if the profile is ``ERASING`` and has no such record: a second append
        fails it, so the chain gets one entry, and the job never reads the chain to know."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": f"SET {AUDITED} = :at",
                "ConditionExpression": f"#status = :erasing AND attribute_not_exists({AUDITED})",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item({":erasing": ERASING, ":at": at}),
            }
        }

    def finish(self, customer_id: str, at: str, also: list[TransactWriteItemTypeDef]) -> None:
        """In one transaction, if the profile is ``ERASING``: the address guards and their record
        removed (the addresses may register again), the profile left with its status ``ERASED``
        and no personal value, the ledger's entry ended, the count of open edit requests
        deleted, and ``also`` (the data key's destruction). A profile ``ERASED`` meanwhile (by an
        overlapping run) is left as it is."""
        guards = self._customers.releasing(customer_id)
        erased: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": "SET #status = :erased, erased_at = if_not_exists("
                "erased_at, :at), updated_at = :at REMOVE status_key, "
                + ", ".join(f"#{name}" for name in PERSONAL),
                "ConditionExpression": "#status = :erasing",
                "ExpressionAttributeNames": {
                    "#status": "status",
                    **{f"#{name}": name for name in PERSONAL},
                },
                "ExpressionAttributeValues": to_item(
                    {":erased": ERASED, ":erasing": ERASING, ":at": at}
                ),
            }
        }
        ended: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._ledger,
                "Key": to_item({"customer_id": customer_id}),
                "UpdateExpression": "SET erased_at = if_not_exists(erased_at, :at)",
                "ConditionExpression": "attribute_exists(customer_id)",
                "ExpressionAttributeValues": to_item({":at": at}),
            }
        }
        counter = _delete(self._table, key(CUSTOMER.format(customer_id), OPEN_COUNT))
        try:
            transact(self._db, [*guards, erased, ended, counter, *also])
        except TransactionConflict:
            finished = self.profile(customer_id)
            if finished is None or finished["status"] != ERASED:
                raise
