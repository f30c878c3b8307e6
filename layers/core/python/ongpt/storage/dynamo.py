"""Plain Python values to DynamoDB's typed attributes and back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Unpack

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.storage import batches
from ongpt.storage.races import until_won
from ongpt.storage.tables import Index

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
        UpdateItemInputTypeDef,
    )

# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html and
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
BATCH_GET_MOST = 100  # keys in one BatchGetItem
BATCH_WRITE_MOST = 25  # requests in one BatchWriteItem
TRANSACTION_MOST = 100  # items in one TransactWriteItems (and 4 MB in all)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, AttributeValueTypeDef]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, AttributeValueTypeDef]) -> dict[str, Any]:
    plain = {k: _deserializer.deserialize(v) for k, v in item.items()}
    return {k: _bytes(v) if isinstance(v, Binary) else v for k, v in plain.items()}


def _bytes(value: Binary) -> bytes:
    return bytes(value.value)  # type: ignore[attr-defined]  # missing from the boto3 stubs


def key(pk: str, sk: str | None = None) -> dict[str, AttributeValueTypeDef]:
    return to_item({"pk": pk, "sk": sk})


def cancelled_because_of_conditions(error: ClientError) -> list[bool]:
    """For a cancelled transaction: which of its items failed their condition."""
    reasons = error.response.get("CancellationReasons", [])
    return [reason.get("Code") == "ConditionalCheckFailed" for reason in reasons]


class TransactionConflict(Exception):
    """A transaction was cancelled because items failed their conditions: ``failed`` holds
    their positions in it. Nothing of it was written."""

    def __init__(self, failed: Sequence[int]) -> None:
        super().__init__(f"conditions failed at {list(failed)}")
        self.failed = tuple(failed)


def transact(
    dynamodb: DynamoDBClient,
    items: Sequence[TransactWriteItemTypeDef],
    *,
    token: str | None = None,
) -> None:
    """Write ``items`` in one ``TransactWriteItems`` (all or nothing; DynamoDB takes up to 100
    items of 400 KB each, 4 MB in all); ``TransactionConflict`` if conditions failed. A put
    alone is a conditional ``PutItem``: as atomic, for half the write units. ``token`` (its
    ``ClientRequestToken``, at most 36 characters) makes a repeat within ten minutes succeed
    without writing again. A write cancelled by another transaction on its items is sent
    again (``ongpt.storage.races``): ``LostRace`` (409) if it keeps losing."""
    if len(items) == 1 and "Put" in items[0]:
        try:
            until_won(lambda: dynamodb.put_item(**items[0]["Put"]))
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise TransactionConflict([0]) from error
        return
    try:
        if token is None:
            until_won(lambda: dynamodb.transact_write_items(TransactItems=list(items)))
        else:
            until_won(
                lambda: dynamodb.transact_write_items(
                    TransactItems=list(items), ClientRequestToken=token
                )
            )
    except ClientError as error:
        failed = [i for i, hit in enumerate(cancelled_because_of_conditions(error)) if hit]
        if error.response["Error"]["Code"] != "TransactionCanceledException" or not failed:
            raise
        raise TransactionConflict(failed) from error


def query_all(
    dynamodb: DynamoDBClient, **kwargs: Unpack[QueryInputTypeDef]
) -> list[dict[str, Any]]:
    """Every item a query matches, page after page, as plain values."""
    items: list[dict[str, Any]] = []
    while True:
        page = dynamodb.query(**kwargs)
        items += [from_item(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


TABLE_KEYS = ("pk", "sk")  # the key of every table a list reads (Customers, Audit)
# Queries one page may take: more than one only when a filter drops items or a read stops at
# 1 MB, so a page's work stays bounded even when few items pass its filter.
PAGE_QUERIES = 4


def query_page(
    dynamodb: DynamoDBClient,
    page: PageRequest,
    *,
    index: Index | None = None,
    **kwargs: Unpack[QueryInputTypeDef],
) -> Page[dict[str, Any]]:
    """A page of what a query matches (on ``index``, if given), as plain values.

    DynamoDB's ``Limit`` counts the items it reads before a filter applies, and a read also stops
    at 1 MB, each with a ``LastEvaluatedKey`` that "does not necessarily mean that there is more
    data" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Other.html#Query.Limit).
    So one item more than the page is asked for: the page ends at its last item's key only when
    that one exists, and its position is ``None`` when the query has nothing after it. A short
    read goes on from where it stopped, at most ``PAGE_QUERIES`` reads: a page whose filter
    dropped many items may come back short, with a position to go on from."""
    if index:
        kwargs["IndexName"] = index.name
    if page.limit is None:
        return Page(query_all(dynamodb, **kwargs), None)
    keys = (*TABLE_KEYS, *((index.partition_key, index.sort_key) if index else ()))
    found: list[dict[str, AttributeValueTypeDef]] = []
    start = page.after
    for _ in range(PAGE_QUERIES):
        ask: QueryInputTypeDef = {**kwargs, "Limit": page.limit + 1 - len(found)}
        if start:
            ask["ExclusiveStartKey"] = dict(start)
        read = dynamodb.query(**ask)
        found += read["Items"]
        start = read.get("LastEvaluatedKey")
        if len(found) > page.limit:
            last = found[page.limit - 1]
            return Page([from_item(i) for i in found[: page.limit]], {k: last[k] for k in keys})
        if start is None:
            break
    return Page([from_item(item) for item in found], start)


Listed = tuple[dict[str, Any], Position]  # an item, and the position that goes on after it


def partitioned_page(
    dynamodb: DynamoDBClient,
    queries: Sequence[QueryInputTypeDef],
    after: Position,
    limit: int,
    keys: Sequence[str],
) -> Page[Listed]:
    """A page of at most ``limit`` items of ``queries``, one partition each (an index's shard, a
    day), read one after another from ``after`` (``{}``: the first's start): one ``Query``, so a
    page ends with its partition. Each item comes with the position after it (its ``keys``,
    which its query projects: the table's and the index's); the page's own position is where the
    next page starts, ``None`` after the last partition's last item. ``LastEvaluatedKey`` goes
    on from where ``Limit`` stopped the read, the item there gone or not
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html)."""
    partition = int(after.get("partition", 0))
    ask: QueryInputTypeDef = {**queries[partition], "Limit": limit}
    if after.get("key"):
        ask["ExclusiveStartKey"] = dict(after["key"])
    read = dynamodb.query(**ask)
    listed: list[Listed] = [
        (from_item(item), {"partition": partition, "key": {k: item[k] for k in keys}})
        for item in read["Items"]
    ]
    following: Position | None = None
    if "LastEvaluatedKey" in read:
        following = {"partition": partition, "key": read["LastEvaluatedKey"]}
    elif partition + 1 < len(queries):
        following = {"partition": partition + 1}
    return Page(listed, following)


def batch_get(
    dynamodb: DynamoDBClient,
    table: str,
    keys: Sequence[Mapping[str, AttributeValueTypeDef]],
    projection: str | None = None,
) -> list[dict[str, Any]]:
    """The items of ``keys`` that exist, read consistently, in no particular order, as plain
    values: one ``BatchGetItem`` per ``BATCH_GET_MOST`` keys; never a partial answer
    (``ongpt.storage.batches``)."""
    found = []
    for start in range(0, len(keys), BATCH_GET_MOST):
        request: KeysAndAttributesTypeDef = {
            "Keys": list(keys[start : start + BATCH_GET_MOST]),
            "ConsistentRead": True,
        }
        if projection:
            request["ProjectionExpression"] = projection
        found += batches.get_all(dynamodb, {table: request})[table]
    return [from_item(item) for item in found]


def batch_delete(
    dynamodb: DynamoDBClient, table: str, keys: Sequence[Mapping[str, AttributeValueTypeDef]]
) -> None:
    """Delete ``keys`` (at most ``BATCH_WRITE_MOST``; a key of nothing deletes nothing), all of
    them (``ongpt.storage.batches``)."""
    if keys:
        batches.write_all(dynamodb, {table: [{"DeleteRequest": {"Key": dict(k)}} for k in keys]})


def conditional_update(dynamodb: DynamoDBClient, **kwargs: Unpack[UpdateItemInputTypeDef]) -> bool:
    """An ``UpdateItem`` with a ``ConditionExpression``; whether its condition held (nothing is
    written when it did not; one cancelled by a transaction on the item is sent again)."""
    try:
        until_won(lambda: dynamodb.update_item(**kwargs))
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


APPLIED = "applied_write"  # the token of the last ``update_once`` applied to an item


@dataclass(frozen=True)
class Updated:
    """A conditional update's outcome: whether it was applied, and the item as it left it
    (applied) or as it found it (refused: None if there is none)."""

    applied: bool
    item: dict[str, Any] | None


def update_once(dynamodb: DynamoDBClient, **kwargs: Unpack[UpdateItemInputTypeDef]) -> Updated:
    """A conditional ``UpdateItem`` (its expression starting with ``SET``) applied once, even
    when the SDK sends it again after its answer was lost (standard mode does after a timeout or
    a 5xx): it also sets a token of its own, which its condition refuses; a refusal that finds
    the token (``ReturnValuesOnConditionCheckFailure`` ``ALL_OLD``, no read needed:
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html) is its
    own first write. The item keeps the last token only: should another ``update_once`` land
    between the two, the retry is judged as a write of its own (a guess then counts twice, never
    less). One cancelled by a transaction on the item is sent again."""
    expression = kwargs["UpdateExpression"]
    if not expression.startswith("SET "):
        raise ValueError(f"not a SET update: {expression}")
    token = str(uuid.uuid4())
    request: UpdateItemInputTypeDef = {
        **kwargs,
        "UpdateExpression": f"SET #applied = :applied, {expression.removeprefix('SET ')}",
        "ConditionExpression": (
            f"({kwargs['ConditionExpression']})"
            " AND (attribute_not_exists(#applied) OR #applied <> :applied)"
        ),
        "ExpressionAttributeNames": {
            **kwargs.get("ExpressionAttributeNames", {}),
            "#applied": APPLIED,
        },
        "ExpressionAttributeValues": {
            **kwargs.get("ExpressionAttributeValues", {}),
            ":applied": {"S": token},
        },
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    try:
        written = until_won(lambda: dynamodb.update_item(**request))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        found = error.response.get("Item")
        item = from_item(found) if found else None  # type: ignore[arg-type]
        return Updated(item is not None and item.get(APPLIED) == token, item)
    return Updated(True, from_item(written["Attributes"]))


POINTER = "POINTER"


def with_pointer(
    table: str, item_key: dict[str, Any], values: dict[str, Any], pointer: str
) -> list[TransactWriteItemTypeDef]:
    """A new item under its customer and, with it, the item ``(pointer, POINTER)`` naming that
    customer, for staff who know only the item's id: the items of a transaction."""
    return [
        {
            "Put": {
                "TableName": table,
                "Item": {**item_key, **to_item(values)},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": {
                    **key(pointer, POINTER),
                    **to_item({"customer_id": values["customer_id"]}),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]


def pointed_customer(dynamodb: DynamoDBClient, table: str, pointer: str) -> str | None:
    """The customer a pointer item names, if there is one."""
    found = dynamodb.get_item(
        TableName=table,
        Key=key(pointer, POINTER),
        ConsistentRead=True,  # maybe written just now
    ).get("Item")
    return str(from_item(found)["customer_id"]) if found else None
