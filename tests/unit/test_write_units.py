"""Write request units are counted as DynamoDB bills them (issue 14, item 5): item sizes from
attribute names and values, ceil(size / 1 KB) per item, twice inside a transaction, the larger of
an item's two images, and a write whose condition fails billed too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.bench.write_units import WriteRecorder, item_size, value_size

KEY = {"pk": {"S": "a"}}


def test_values_are_sized_as_dynamodb_documents() -> None:
    assert value_size({"S": "Nguyễn"}) == len("Nguyễn".encode())  # UTF-8 bytes, not characters
    assert value_size({"N": "12345"}) == 4  # 5 significant digits: 3 bytes, + 1
    assert value_size({"N": "-0.0012300"}) == 3  # leading and trailing zeroes trimmed
    assert value_size({"B": b"\x00" * 10}) == 10  # raw bytes, not base64
    assert value_size({"BOOL": True}) == value_size({"NULL": True}) == 1
    assert value_size({"L": [{"S": "ab"}, {"N": "1"}]}) == 3 + (1 + 2) + (1 + 2)
    assert value_size({"M": {"k": {"S": "ab"}}}) == 3 + 1 + 1 + 2
    assert item_size({"pk": {"S": "a"}, "name": {"S": "xyz"}}) == 2 + 1 + 4 + 3


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteRecorder]:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "contracts")  # a function's call, not a test's
    with WriteRecorder().installed() as installed:
        yield installed


def big(kilobytes: float) -> dict[str, Any]:
    return {**KEY, "data": {"S": "x" * int(kilobytes * 1024)}}


def test_an_item_costs_a_unit_per_started_kilobyte_twice_in_a_transaction(
    dynamodb: Any, recorder: WriteRecorder
) -> None:
    dynamodb.put_item(TableName="t", Item=big(1.5))
    put = {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}}
    dynamodb.transact_write_items(TransactItems=[put])
    assert [(w.operation, w.units) for w in recorder.take()] == [
        ("PutItem", 2),
        ("TransactWriteItems", 2),
    ]


def test_an_update_is_billed_on_the_whole_item_and_a_failed_condition_too(
    dynamodb: Any, recorder: WriteRecorder
) -> None:
    dynamodb.put_item(TableName="t", Item=big(2.5))
    recorder.take()
    dynamodb.update_item(
        TableName="t",
        Key=KEY,
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "1"}},
    )
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName="t", Item=KEY, ConditionExpression="attribute_not_exists(pk)")
    assert [w.units for w in recorder.take()] == [3, 3]


def test_the_tests_own_calls_are_not_counted(dynamodb: Any) -> None:
    with WriteRecorder().installed() as recorder:
        dynamodb.put_item(TableName="t", Item=KEY)
    assert recorder.writes == []
