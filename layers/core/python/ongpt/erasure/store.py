"""DynamoDB access of the erasure: the accounts due, their holds, their personal records, the
final transaction, and the erasure ledger (keys in ``ongpt.storage.tables``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ongpt.customers.store import CUSTOMER, PROFILE, CustomerStore
from ongpt.lifecycle.store import ERASED, ERASING, HOLDS_PLACED
from ongpt.platform import settings
from ongpt.platform.clock import timestamp
from ongpt.storage.dynamo import (
    TransactionConflict,
    conditional_update,
    from_item,
    key,
    query_all,
    to_item,
    transact,
)
from ongpt.storage.tables import BY_MONTH

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CLOSING = "CUSTOMER#CLOSING"  # the ``by-status`` partition of accounts in their grace period
# The customer's records that erasure deletes; contracts, disclosures, complaints and legal holds
# stay under the opaque id (what the law makes us keep, with no contact).
DELETED = ("CONSENT#", "NOTICE#", "EDIT#", "OPEN_EDITS")
COMPLAINT_POINTER = "COMPLAINT#"
# What an erased customer's complaint no longer holds: its sealed text and contact (their key, in
# the key store, is destroyed with them), and its place in the staff queues.
COMPLAINT_SEALED = ("subject", "message", "contact", "resolution", "status_key")
EDIT_POINTER = "EDITREQ#{}"
ENTRY_NOTED = "erased_entry"  # on the profile: its ``ERASED`` audit entry is written
# What the erased profile no longer holds: every personal value and the keys that find it.
PERSONAL = ("full_name", "email", "phone", "optional", "email_index", "phone_index", "language")


class ErasureStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

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

    def started_since(self, since: datetime, until: datetime) -> Iterator[str]:
        """The customers whose erasure started at or after ``since`` (index ``by-month``, one
        query per month up to ``until``'s)."""
        year, month = since.astimezone(UTC).year, since.astimezone(UTC).month
        last = until.astimezone(UTC).strftime("%Y-%m")
        while (current := f"{year:04d}-{month:02d}") <= last:
            for item in query_all(
                self._db,
                TableName=self._ledger,
                IndexName=BY_MONTH.name,
                KeyConditionExpression="#month = :month AND started_at >= :since",
                ExpressionAttributeNames={"#month": "month"},
                ExpressionAttributeValues=to_item({":month": current, ":since": timestamp(since)}),
                ProjectionExpression="customer_id",
            ):
                yield str(item["customer_id"])
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    # The customer's records.
    def profile(self, customer_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=key(CUSTOMER.format(customer_id), PROFILE),
            ConsistentRead=True,
        ).get("Item")
        return from_item(found) if found else None

    def delete_personal_records(self, customer_id: str) -> list[str]:
        """Consents with their history, notices and edit requests with their pointers: deleted
        (a delete of what is gone does nothing). The ids of the customer's complaints, for
        ``shred_complaint``."""
        found = query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": CUSTOMER.format(customer_id)}),
            ProjectionExpression="pk, sk, edit_request_id, complaint_id",
            ConsistentRead=True,
        )
        doomed = [item for item in found if str(item["sk"]).startswith(DELETED)]
        for item in doomed:
            if "edit_request_id" in item:
                pointer = EDIT_POINTER.format(item["edit_request_id"])
                self._db.delete_item(TableName=self._table, Key=key(pointer, "POINTER"))
            self._db.delete_item(TableName=self._table, Key=key(item["pk"], item["sk"]))
        return [str(i["complaint_id"]) for i in found if str(i["sk"]).startswith(COMPLAINT_POINTER)]

    def shred_complaint(self, complaint_id: str, also: list[TransactWriteItemTypeDef]) -> None:
        """In one transaction: the customer's complaint kept with its category and times only (its
        sealed text and contact removed, status ``ERASED``: out of the staff queues, no move
        allowed; the status it had kept as ``status_at_erasure``) and ``also`` (its data key's
        destruction). Idempotent."""
        shredded: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": key(f"COMPLAINT#{complaint_id}", "COMPLAINT"),
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
        with suppress(TransactionConflict):  # a pointer without its complaint: nothing to shred
            transact(self._db, [shredded, *also])

    def noting_entry(self, customer_id: str) -> TransactWriteItemTypeDef:
        """The transaction item that notes on the profile that its ``ERASED`` audit entry is
        written, once: with the entry in one transaction, an overlapping run's second entry
        fails it."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": "SET #noted = :noted",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#noted)",
                "ExpressionAttributeNames": {"#noted": ENTRY_NOTED},
                "ExpressionAttributeValues": to_item({":noted": True}),
            }
        }

    def finish(self, customer_id: str, at: str, also: list[TransactWriteItemTypeDef]) -> None:
        """In one transaction, if the profile is ``ERASING``: the address guards and their record
        removed (the addresses may register again), the profile left with its status ``ERASED``
        and no personal value, the ledger's entry ended, and ``also`` (the data key's
        destruction). A profile ``ERASED`` meanwhile (by an overlapping run) is left as it is."""
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
        try:
            transact(self._db, [*guards, erased, ended, *also])
        except TransactionConflict:
            finished = self.profile(customer_id)
            if finished is None or finished["status"] != ERASED:
                raise
