"""DynamoDB access for edit requests: ``CUSTOMER#<id>`` / ``EDIT#<id>``, a pointer
``EDITREQ#<id>`` / ``POINTER`` for staff who know only the request's id, and the sparse staff
queue (index ``by-status``, ``EDIT#PENDING_REVIEW``, oldest first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ongpt.platform import settings
from ongpt.platform.errors import Conflict, TooManyAttempts
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    conditional_update,
    count_failure,
    from_item,
    key,
    pointed_customer,
    query_all,
    to_item,
    transact,
    with_pointer,
)
from ongpt.storage.replays import made_by
from ongpt.storage.tables import BY_STATUS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

QUEUE = "EDIT#PENDING_REVIEW"


def _pointer(edit_id: str) -> str:
    return f"EDITREQ#{edit_id}"


def _key(customer_id: str, edit_id: str) -> dict[str, AttributeValueTypeDef]:
    return key(f"CUSTOMER#{customer_id}", f"EDIT#{edit_id}")


class EditStore:
    TABLE = settings.CUSTOMERS_TABLE  # the table it is built on (ongpt.services)

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def add(self, values: dict[str, Any]) -> None:
        """A new request and its pointer; ``TransactionConflict`` if the id is taken (by a first
        attempt of the same request: the id is its retry id)."""
        edit_id, customer_id = values["edit_request_id"], values["customer_id"]
        queued = {"status_key": QUEUE} if values["status"] == "PENDING_REVIEW" else {}
        transact(
            self._db,
            with_pointer(
                self._table, _key(customer_id, edit_id), {**values, **queued}, _pointer(edit_id)
            ),
        )

    @tracer.capture_method
    def claim_code(self, customer_id: str, edit_id: str, address: str, hashed: str) -> bool:
        """Set the hash of the code for the new ``address`` (``email``, ``phone``), if none is set
        and the request still awaits its proof: whether this caller may send that code."""
        return conditional_update(
            self._db,
            TableName=self._table,
            Key=_key(customer_id, edit_id),
            UpdateExpression="SET #code = :code",
            ConditionExpression="attribute_not_exists(#code) AND #status = :waiting",
            ExpressionAttributeNames={"#code": f"{address}_code", "#status": "status"},
            ExpressionAttributeValues=to_item(
                {":code": hashed, ":waiting": "PENDING_VERIFICATION"}
            ),
        )

    @tracer.capture_method
    def release_code(self, customer_id: str, edit_id: str, address: str, hashed: str) -> None:
        """The claim of a code whose send failed, taken back so that the retry sends one."""
        conditional_update(
            self._db,
            TableName=self._table,
            Key=_key(customer_id, edit_id),
            UpdateExpression="REMOVE #code",
            ConditionExpression="#code = :code",
            ExpressionAttributeNames={"#code": f"{address}_code"},
            ExpressionAttributeValues=to_item({":code": hashed}),
        )

    @tracer.capture_method
    def get(self, customer_id: str, edit_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=_key(customer_id, edit_id), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else None

    @tracer.capture_method
    def customer_of(self, edit_id: str) -> str | None:
        return pointed_customer(self._db, self._table, _pointer(edit_id))

    @tracer.capture_method
    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :edit)",
            ExpressionAttributeValues=to_item({":pk": f"CUSTOMER#{customer_id}", ":edit": "EDIT#"}),
        )

    @tracer.capture_method
    def pending_review(self) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            IndexName=BY_STATUS.name,
            KeyConditionExpression="status_key = :queue",
            ExpressionAttributeValues=to_item({":queue": QUEUE}),
            ScanIndexForward=True,
        )

    @tracer.capture_method
    def count_failure(self, customer_id: str, edit_id: str, limit: int) -> int:
        return count_failure(self._db, self._table, _key(customer_id, edit_id), limit)

    def _transition(
        self,
        customer_id: str,
        edit_id: str,
        from_status: str,
        to_status: str,
        at: str,
        extra: dict[str, Any],
        attempts_below: int | None = None,
    ) -> UpdateTypeDef:
        values = {"status": to_status, "updated_at": at, **extra}
        condition, limit = "#status = :from", {}
        if attempts_below is not None:
            condition, limit = condition + " AND attempts < :limit", {":limit": attempts_below}
        sets = [f"#{k} = :{k}" for k in values]
        if to_status == "PENDING_REVIEW":
            values["status_key"] = QUEUE
            sets.append("#status_key = :status_key")
            update = "SET " + ", ".join(sets)
        else:
            update = "SET " + ", ".join(sets) + " REMOVE #status_key"
        return {
            "TableName": self._table,
            "Key": _key(customer_id, edit_id),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {
                **{f"#{k}": k for k in values},
                "#status_key": "status_key",
                "#status": "status",
            },
            "ExpressionAttributeValues": to_item(
                {**{f":{k}": v for k, v in values.items()}, ":from": from_status, **limit}
            ),
        }

    @tracer.capture_method
    def prove(self, customer_id: str, edit_id: str, at: str, limit: int, request_id: str) -> None:
        """Verified by the request ``request_id``: to review, only while fewer than ``limit``
        wrong tries are counted. The limit is part of the conditional write, so that a right
        guess among many parallel ones cannot pass once the limit is reached (as a
        registration's completion does)."""
        self._write(
            self._transition(
                customer_id,
                edit_id,
                "PENDING_VERIFICATION",
                "PENDING_REVIEW",
                at,
                made_by(request_id),
                attempts_below=limit,
            ),
            limit=limit,
        )

    def _write(self, update: UpdateTypeDef, limit: int | None = None) -> None:
        try:
            self._db.update_item(**update | {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] = error.response.get("Item", {})  # type: ignore[assignment]
            found = from_item(old)
            if limit is not None and int(found.get("attempts", 0)) >= limit:
                raise TooManyAttempts("Too many wrong codes: make a new request.") from None
            raise Conflict("The request changed meanwhile.") from None

    def withdrawal(
        self, customer_id: str, edit_id: str, from_status: str, at: str, request_id: str | None
    ) -> TransactWriteItemTypeDef:
        """The transaction item that withdraws an open request: the customer's request
        ``request_id``, or (None) the account's closure."""
        made = made_by(request_id) if request_id else {}
        return {
            "Update": self._transition(customer_id, edit_id, from_status, "WITHDRAWN", at, made)
        }

    def decision(
        self, customer_id: str, edit_id: str, status: str, at: str, **extra: Any
    ) -> TransactWriteItemTypeDef:
        """The transaction item that closes a reviewed request."""
        return {
            "Update": self._transition(customer_id, edit_id, "PENDING_REVIEW", status, at, extra)
        }
