"""``storage.dynamo.transact``: a put alone is a conditional PutItem (half the write units of a
transaction), its failed condition the same ``TransactionConflict``; more items, one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.exceptions import ClientError

from ongpt.storage.dynamo import TransactionConflict, transact
from ongpt.storage.races import lost_race

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutTypeDef, UpdateTypeDef

PUT: PutTypeDef = {
    "TableName": "Outbox",
    "Item": {"notice_id": {"S": "n-1"}},
    "ConditionExpression": "attribute_not_exists(notice_id)",
}
UPDATE: UpdateTypeDef = {
    "TableName": "Customers",
    "Key": {"pk": {"S": "c-1"}},
    "UpdateExpression": "SET #s = :s",
    "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {":s": {"S": "CLOSING"}},
}


class Recording:
    """A DynamoDB client that records its calls; ``refuse`` is the error each write raises."""

    def __init__(self, refuse: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse = refuse

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        if self.refuse:
            raise ClientError(cast("Any", self.refuse), operation)
        return {}

    def put_item(self, **params: Any) -> dict[str, Any]:
        return self._call("PutItem", params)

    def transact_write_items(self, **params: Any) -> dict[str, Any]:
        return self._call("TransactWriteItems", params)

    @property
    def client(self) -> DynamoDBClient:
        return cast("DynamoDBClient", self)


def test_a_put_alone_is_one_conditional_put_item() -> None:
    client = Recording()
    transact(client.client, [{"Put": PUT}])
    assert client.calls == [("PutItem", PUT)]


def test_its_failed_condition_is_a_transaction_conflict_at_its_position() -> None:
    client = Recording({"Error": {"Code": "ConditionalCheckFailedException"}})
    with pytest.raises(TransactionConflict) as conflict:
        transact(client.client, [{"Put": PUT}])
    assert conflict.value.failed == (0,)


def test_any_other_failure_of_the_put_is_raised_as_it_came() -> None:
    client = Recording({"Error": {"Code": "ProvisionedThroughputExceededException"}})
    with pytest.raises(ClientError):
        transact(client.client, [{"Put": PUT}])


def test_more_than_one_item_or_an_update_alone_is_a_transaction() -> None:
    client = Recording()
    transact(client.client, [{"Put": PUT}, {"Update": UPDATE}])
    transact(client.client, [{"Update": UPDATE}])
    assert [operation for operation, _ in client.calls] == ["TransactWriteItems"] * 2
    assert client.calls[0][1] == {"TransactItems": [{"Put": PUT}, {"Update": UPDATE}]}


def test_a_token_makes_the_transaction_idempotent_as_its_client_request_token() -> None:
    client = Recording()
    transact(client.client, [{"Update": UPDATE}], token="t-1")
    assert client.calls == [
        ("TransactWriteItems", {"TransactItems": [{"Update": UPDATE}], "ClientRequestToken": "t-1"})
    ]


@pytest.mark.parametrize(
    ("code", "reasons", "lost"),
    [
        ("TransactionConflictException", [], True),  # a lone PutItem met a transaction
        ("TransactionCanceledException", [{"Code": "TransactionConflict"}], True),
        ("TransactionCanceledException", [{"Code": "ConditionalCheckFailed"}], False),
        ("ProvisionedThroughputExceededException", [], False),
    ],
)
def test_a_write_that_met_a_concurrent_transaction_lost_a_race(
    code: str, reasons: list[dict[str, str]], lost: bool
) -> None:
    answer: Any = {"Error": {"Code": code}, "CancellationReasons": reasons}
    error = ClientError(answer, "PutItem")
    assert lost_race(error) is lost
