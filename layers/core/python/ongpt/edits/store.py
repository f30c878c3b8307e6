"""DynamoDB access for edit requests: ``CUSTOMER#<id>`` / ``EDIT#<id>``, a pointer
``EDITREQ#<id>`` / ``POINTER`` for staff who know only the request's id, the sparse staff
queue (index ``by-status``, ``EDIT#PENDING_REVIEW``, oldest first), and the customer's count of
open requests, ``CUSTOMER#<id>`` / ``OPEN_EDITS``: one more in the transaction that files one (on
condition that it is below ``MAX_OPEN``), one fewer in each that withdraws or decides one. So
parallel filings never make a fourth, and a closure, which withdraws them all in one
transaction, has at most ``MAX_OPEN`` to withdraw."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ongpt.platform.errors import Conflict, TooManyOpen
from ongpt.platform.pages import Page, PageRequest
from ongpt.platform.telemetry import tracer
from ongpt.storage.code_rounds import Condition, Guess, Guesses, same_codes
from ongpt.storage.dynamo import (
    TransactionConflict,
    conditional_update,
    from_item,
    key,
    pointed_customer,
    query_all,
    query_page,
    to_item,
    transact,
    update_once,
    with_pointer,
)
from ongpt.storage.replays import made_by
from ongpt.storage.retries import retried
from ongpt.storage.tables import BY_STATUS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

QUEUE = "EDIT#PENDING_REVIEW"
OPEN = ("PENDING_VERIFICATION", "PENDING_REVIEW")
MAX_OPEN = 3  # API.md v1.2, Limits: open edit requests per customer
OPEN_COUNT = "OPEN_EDITS"


def _pointer(edit_id: str) -> str:
    return f"EDITREQ#{edit_id}"


def _key(customer_id: str, edit_id: str) -> dict[str, AttributeValueTypeDef]:
    return key(f"CUSTOMER#{customer_id}", f"EDIT#{edit_id}")


def _count_key(customer_id: str) -> dict[str, AttributeValueTypeDef]:
    return key(f"CUSTOMER#{customer_id}", OPEN_COUNT)


class EditStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table
        self._guesses = Guesses(dynamodb, table)

    @tracer.capture_method
    def add(self, values: dict[str, Any], also: Sequence[TransactWriteItemTypeDef] = ()) -> bool:
        """A new request, its pointer, one more on the customer's count of open requests and
        ``also`` (the account still active), in one transaction: False if the id is taken (by a
        first attempt of the same request: the id is its retry id). ``TooManyOpen`` if the
        customer has ``MAX_OPEN`` open; ``Conflict`` if an item of ``also`` failed, or if
        concurrent filings still won after the retries (DynamoDB cancels a transaction that
        meets another on the count: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling)."""
        customer_id = values["customer_id"]
        counted: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": _count_key(customer_id),
                "UpdateExpression": "ADD #open :one",
                "ConditionExpression": "attribute_not_exists(#open) OR #open < :most",
                "ExpressionAttributeNames": {"#open": "open"},
                "ExpressionAttributeValues": to_item({":one": 1, ":most": MAX_OPEN}),
            }
        }
        request = self.filing(values)
        try:
            retried(lambda: transact(self._db, [*request, counted, *also]))
        except TransactionConflict as conflict:
            if 0 in conflict.failed:
                return False
            if len(request) in conflict.failed:
                raise TooManyOpen(
                    f"At most {MAX_OPEN} edit requests may be open: withdraw one first."
                ) from None
            raise Conflict("The account changed meanwhile.") from None
        return True

    def filing(self, values: dict[str, Any]) -> list[TransactWriteItemTypeDef]:
        """The transaction items of a new request and its pointer (queued if to review)."""
        edit_id, customer_id = values["edit_request_id"], values["customer_id"]
        queued = {"status_key": QUEUE} if values["status"] == "PENDING_REVIEW" else {}
        return with_pointer(
            self._table, _key(customer_id, edit_id), {**values, **queued}, _pointer(edit_id)
        )

    def uncounting(self, customer_id: str) -> TransactWriteItemTypeDef:
        """The transaction item that counts one open request fewer (one withdrawn or decided)."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": _count_key(customer_id),
                "UpdateExpression": "ADD #open :less",
                "ExpressionAttributeNames": {"#open": "open"},
                "ExpressionAttributeValues": to_item({":less": -1}),
            }
        }

    def none_open(self, customer_id: str, withdrawn: int) -> TransactWriteItemTypeDef:
        """The transaction item that counts no open request, if the count is still
        ``withdrawn`` (the requests a closure withdraws in the same transaction) or was never
        kept: a request filed since it read them fails it."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": _count_key(customer_id),
                "UpdateExpression": "SET #open = :none",
                "ConditionExpression": "attribute_not_exists(#open) OR #open = :withdrawn",
                "ExpressionAttributeNames": {"#open": "open"},
                "ExpressionAttributeValues": to_item({":none": 0, ":withdrawn": withdrawn}),
            }
        }

    @tracer.capture_method
    def claim_code(self, customer_id: str, edit_id: str, address: str, hashed: str) -> bool:
        """Set the hash of the code for the new ``address`` (``email``, ``phone``), if none is set
        and the request still awaits its proof: whether this caller may send that code (once:
        ``update_once``)."""
        return update_once(
            self._db,
            TableName=self._table,
            Key=_key(customer_id, edit_id),
            UpdateExpression="SET #code = :code",
            ConditionExpression="attribute_not_exists(#code) AND #status = :waiting",
            ExpressionAttributeNames={"#code": f"{address}_code", "#status": "status"},
            ExpressionAttributeValues=to_item(
                {":code": hashed, ":waiting": "PENDING_VERIFICATION"}
            ),
        ).applied

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

    def _of_customer(self, customer_id: str, **values: str) -> QueryInputTypeDef:
        """The query of the customer's requests; ``values``: more of its expression values."""
        return {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :edit)",
            "ExpressionAttributeValues": to_item(
                {":pk": f"CUSTOMER#{customer_id}", ":edit": "EDIT#", **values}
            ),
        }

    @tracer.capture_method
    def open_of(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's open requests (at most ``MAX_OPEN``), read consistently."""
        query = self._of_customer(customer_id, **{":verifying": OPEN[0], ":reviewing": OPEN[1]})
        query["FilterExpression"] = "#status IN (:verifying, :reviewing)"
        query["ExpressionAttributeNames"] = {"#status": "status"}
        query["ConsistentRead"] = True
        return query_all(self._db, **query)

    @tracer.capture_method
    def page_of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the customer's requests, by id."""
        return query_page(self._db, page, **self._of_customer(customer_id))

    @tracer.capture_method
    def pending_review(self, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of the requests awaiting review, oldest first."""
        return query_page(
            self._db,
            page,
            index=BY_STATUS,
            TableName=self._table,
            KeyConditionExpression="status_key = :queue",
            ExpressionAttributeValues=to_item({":queue": QUEUE}),
        )

    def take(self, customer_id: str, edit_id: str, limit: int, now: datetime) -> Guess:
        """A guess at the new addresses' codes, counted before they are compared
        (``ongpt.storage.code_rounds``)."""
        return self._guesses.take(_key(customer_id, edit_id), limit, now)

    def give_back(self, customer_id: str, edit_id: str) -> None:
        self._guesses.give_back(_key(customer_id, edit_id))

    def _transition(
        self,
        customer_id: str,
        edit_id: str,
        from_status: str,
        to_status: str,
        at: str,
        extra: dict[str, Any],
        also: Condition | None = None,
    ) -> UpdateTypeDef:
        """The request from ``from_status`` to ``to_status`` (and ``also``, if given)."""
        values = {"status": to_status, "updated_at": at, **extra}
        also = also or Condition("", {}, {})
        condition = " AND ".join(filter(None, ["#status = :from", also.expression]))
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
                **also.names,
            },
            "ExpressionAttributeValues": to_item(
                {**{f":{k}": v for k, v in values.items()}, ":from": from_status, **also.values}
            ),
        }

    @tracer.capture_method
    def prove(
        self,
        customer_id: str,
        edit_id: str,
        at: str,
        request_id: str,
        guess: Guess,
        channels: list[str],
    ) -> None:
        """Proven by the request ``request_id``: to review, only if it still awaits its proof
        with the codes the counted ``guess`` compared (``same_codes``); a ``Conflict`` otherwise
        (withdrawn, or proven by another request, meanwhile)."""
        update = self._transition(
            customer_id,
            edit_id,
            "PENDING_VERIFICATION",
            "PENDING_REVIEW",
            at,
            made_by(request_id),
            also=same_codes(guess, channels),
        )
        if not conditional_update(self._db, **update):
            raise Conflict("The request changed meanwhile.")

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
