"""What the local runtime's moto adds to moto's DynamoDB, SQS and the other services it serves,
to answer as AWS does (``local/transactions.py``, ``local/chaos.py``), shown through plain boto3
clients over moto in-process, which runs the same code as the runtime's moto server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from local import chaos, transactions
from local.transactions import CONFLICTS, TRANSACT_GET, TRANSACT_WRITE, WRITE
from tests.support.fake_aws import use_fake_aws

TABLE = "items"
ONCE = Config(retries={"mode": "standard", "max_attempts": 1})  # every answer as it came


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_aws(monkeypatch)
    monkeypatch.delenv(chaos.VARIABLE, raising=False)
    transactions.install()
    chaos.install()
    with mock_aws():
        yield
    chaos.disarm()


@pytest.fixture
def dynamodb(aws: None) -> Any:
    client = boto3.client("dynamodb", config=ONCE)
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "email")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_email",
                "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def chaos_mode(monkeypatch: pytest.MonkeyPatch, settings: str) -> None:
    monkeypatch.setenv(chaos.VARIABLE, settings)
    chaos.arm()


def key(pk: str, sk: str = "-") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def put(pk: str, sk: str = "-", **attributes: str) -> dict[str, Any]:
    item = {**key(pk, sk), **{k: {"S": v} for k, v in attributes.items()}}
    return {"Put": {"TableName": TABLE, "Item": item}}


def refusal(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call()
    return dict(refused.value.response)


# Transaction conflicts
@pytest.mark.parametrize("new", [WRITE, TRANSACT_WRITE, TRANSACT_GET])
@pytest.mark.parametrize("ongoing", [WRITE, TRANSACT_WRITE, TRANSACT_GET])
def test_which_requests_conflict_is_as_dynamodb_documents(new: str, ongoing: str) -> None:
    documented = {
        (WRITE, TRANSACT_WRITE),  # a PutItem, UpdateItem or DeleteItem of an item in one
        (TRANSACT_WRITE, TRANSACT_WRITE),
        (TRANSACT_GET, TRANSACT_WRITE),
        (TRANSACT_GET, WRITE),  # TransactGetItems against BatchWriteItem, PutItem, ...
    }
    isolation = transactions.Isolation()
    token, _ = isolation.begin(ongoing, [("t", "a")])
    assert token is not None
    refused, clashing = isolation.begin(new, [("t", "b"), ("t", "a")])
    assert (refused is None) == ((new, ongoing) in documented) == ((new, ongoing) in CONFLICTS)
    assert clashing == [False, (new, ongoing) in documented]


def test_requests_meeting_an_ongoing_transaction_conflict_as_on_dynamodb(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chaos_mode(monkeypatch, "tx_latency_ms=800")  # the first transaction stays ongoing
    with ThreadPoolExecutor(1) as thread:
        first = thread.submit(dynamodb.transact_write_items, TransactItems=[put("a"), put("b")])
        while not transactions.ISOLATION.ongoing(TRANSACT_WRITE):
            time.sleep(0.01)
        single = refusal(lambda: dynamodb.put_item(TableName=TABLE, Item=key("a")))
        second = refusal(lambda: dynamodb.transact_write_items(TransactItems=[put("c"), put("b")]))
        read = refusal(
            lambda: dynamodb.transact_get_items(
                TransactItems=[{"Get": {"TableName": TABLE, "Key": key("a")}}]
            )
        )
        assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("a"))  # no conflict
        assert transactions.ISOLATION.ongoing(TRANSACT_WRITE) == 1  # all of that meanwhile
        first.result()
    assert single["Error"]["Code"] == "TransactionConflictException"
    assert second["Error"]["Code"] == read["Error"]["Code"] == "TransactionCanceledException"
    ongoing = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
    assert second["CancellationReasons"] == [{"Code": "None"}, ongoing]
    assert read["CancellationReasons"] == [ongoing]
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("c"))  # nothing half-done
    assert "Item" in dynamodb.get_item(TableName=TABLE, Key=key("a"))
    dynamodb.put_item(TableName=TABLE, Item=key("a"))  # over: no conflict any more


# Idempotency
def test_a_transaction_repeated_with_its_token_is_not_written_again(dynamodb: Any) -> None:
    """As DynamoDB does, and moto does not: the SDK's retry of a transaction whose answer was
    lost (the same ``ClientRequestToken``) succeeds without writing again."""
    condition = {"ConditionExpression": "attribute_not_exists(pk)"}
    items = [{"Put": {**put("once")["Put"], **condition}}, put("also")]
    dynamodb.transact_write_items(TransactItems=items, ClientRequestToken="t-1")
    dynamodb.transact_write_items(TransactItems=items, ClientRequestToken="t-1")  # no conflict
    mismatch = refusal(
        lambda: dynamodb.transact_write_items(TransactItems=items[:1], ClientRequestToken="t-1")
    )
    assert mismatch["Error"]["Code"] == "IdempotentParameterMismatchException"
    again = refusal(lambda: dynamodb.transact_write_items(TransactItems=items))  # a new token
    assert again["Error"]["Code"] == "TransactionCanceledException"


# Limits
def test_a_transaction_over_4_mb_in_all_is_refused(dynamodb: Any) -> None:
    near_limit = "x" * 390_000
    items = [put(f"big-{i}", data=near_limit) for i in range(11)]
    refused = refusal(lambda: dynamodb.transact_write_items(TransactItems=items))
    assert refused["Error"]["Code"] == "ValidationException"
    dynamodb.transact_write_items(TransactItems=items[:10])  # 3.9 MB: taken


def test_an_item_over_400_kb_is_refused_alone_and_cancels_its_transaction(dynamodb: Any) -> None:
    too_large = put("large", data="x" * 410_000)
    alone = refusal(lambda: dynamodb.put_item(**too_large["Put"]))
    assert alone["Error"]["Code"] == "ValidationException"
    cancelled = refusal(lambda: dynamodb.transact_write_items(TransactItems=[put("s"), too_large]))
    assert cancelled["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in cancelled["CancellationReasons"]] == ["None", "ValidationError"]
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("s"))


def test_a_transaction_of_more_than_100_actions_is_refused(dynamodb: Any) -> None:
    items = [put(f"n-{i}") for i in range(101)]
    refused = refusal(lambda: dynamodb.transact_write_items(TransactItems=items))
    assert refused["Error"]["Code"] == "ValidationException"


def test_an_sqs_message_over_1_mib_is_refused(aws: None) -> None:
    sqs = boto3.client("sqs", config=ONCE)
    queue = sqs.create_queue(QueueName="limits")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="x" * 1_048_576)
    refused = refusal(lambda: sqs.send_message(QueueUrl=queue, MessageBody="x" * 1_048_577))
    assert refused["Error"]["Code"] == "InvalidParameterValue"


# Chaos mode
def test_chaos_is_off_unless_asked_for(dynamodb: Any) -> None:
    chaos.arm()
    assert chaos.settings() == chaos.OFF
    answer = dynamodb.batch_write_item(
        RequestItems={TABLE: [{"PutRequest": {"Item": key(f"p-{i}")}} for i in range(5)]}
    )
    assert answer["UnprocessedItems"] == {}


def test_batches_hand_back_unprocessed_items_and_keys(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chaos_mode(monkeypatch, "unprocessed=1")  # all but one each time
    requests = [{"PutRequest": {"Item": key(f"p-{i}")}} for i in range(5)]
    answer = dynamodb.batch_write_item(RequestItems={TABLE: requests})
    handed_back = answer["UnprocessedItems"][TABLE]
    assert len(handed_back) == 4
    assert all(request in requests for request in handed_back)
    rounds = 1
    while answer["UnprocessedItems"]:
        answer = dynamodb.batch_write_item(RequestItems=answer["UnprocessedItems"])
        rounds += 1
    assert rounds == 5
    asked = {TABLE: {"Keys": [key(f"p-{i}") for i in range(5)], "ProjectionExpression": "pk"}}
    got = dynamodb.batch_get_item(RequestItems=asked)
    ((answered,),) = got["Responses"].values()
    unprocessed = got["UnprocessedKeys"][TABLE]
    assert unprocessed["ProjectionExpression"] == "pk"  # handed back as asked
    assert sorted(k["pk"]["S"] for k in unprocessed["Keys"] + [answered]) == [
        f"p-{i}" for i in range(5)
    ]


def test_queries_answer_short_pages(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(10):
        dynamodb.put_item(TableName=TABLE, Item=key("same", f"{i:02}"))
    chaos_mode(monkeypatch, "short_pages=1")
    query = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "same"}},
    }
    pages = [dynamodb.query(**query)]
    while "LastEvaluatedKey" in pages[-1]:
        pages.append(dynamodb.query(**query, ExclusiveStartKey=pages[-1]["LastEvaluatedKey"]))
    assert all(1 <= len(page["Items"]) <= 3 for page in pages[:-1])
    assert len(pages) >= 4
    assert [i["sk"]["S"] for page in pages for i in page["Items"]] == [f"{i:02}" for i in range(10)]


def test_index_and_eventually_consistent_reads_miss_recent_writes(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chaos_mode(monkeypatch, "stale_ms=400")
    dynamodb.put_item(TableName=TABLE, Item={**key("old"), "v": {"S": "1"}})
    dynamodb.put_item(TableName=TABLE, Item=key("gone"))
    time.sleep(0.5)
    dynamodb.put_item(TableName=TABLE, Item={**key("old"), "v": {"S": "2"}})
    dynamodb.delete_item(TableName=TABLE, Key=key("gone"))
    dynamodb.put_item(TableName=TABLE, Item={**key("new"), "email": {"S": "a@example.com"}})

    def value(**read: Any) -> Any:
        return dynamodb.get_item(TableName=TABLE, Key=key("old"), **read)["Item"]["v"]["S"]

    by_email = {
        "TableName": TABLE,
        "IndexName": "by_email",
        "KeyConditionExpression": "email = :e",
        "ExpressionAttributeValues": {":e": {"S": "a@example.com"}},
    }
    assert value() == "1"  # eventually consistent: the write before the last 400 ms
    assert value(ConsistentRead=True) == "2"
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("new"))
    assert "Item" in dynamodb.get_item(TableName=TABLE, Key=key("gone"))
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("gone"), ConsistentRead=True)
    assert dynamodb.query(**by_email)["Items"] == []  # the index has not seen it yet
    time.sleep(0.5)
    assert value() == "2"
    assert len(dynamodb.query(**by_email)["Items"]) == 1


def test_services_answer_their_throttling_errors(
    aws: None, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kms = boto3.client("kms", config=ONCE)
    cognito = boto3.client("cognito-idp", config=ONCE)
    ses = boto3.client("sesv2", config=ONCE)
    sns = boto3.client("sns", config=ONCE)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    pool = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
    chaos_mode(monkeypatch, "throttle=1")
    calls: dict[str, Callable[[], Any]] = {
        "ProvisionedThroughputExceededException": lambda: dynamodb.get_item(
            TableName=TABLE, Key=key("a")
        ),
        "ThrottlingException": lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x"),
        "TooManyRequestsException": lambda: cognito.admin_get_user(UserPoolId=pool, Username="u"),
        "Throttled": lambda: sns.publish(PhoneNumber="+84967915569", Message="m"),
    }
    for code, call in calls.items():
        assert refusal(call)["Error"]["Code"] == code
    throttled = refusal(
        lambda: ses.send_email(
            FromEmailAddress="a@example.com",
            Destination={"ToAddresses": ["b@example.com"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        )
    )
    assert throttled["Error"]["Code"] == "TooManyRequestsException"
    assert throttled["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_the_sdk_retries_a_throttled_call_itself(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chaos_mode(monkeypatch, "throttle=0.5,seed=1")  # the first draw throttles, the next does not
    retrying = boto3.client("dynamodb", config=Config(retries={"mode": "standard"}))
    answer = retrying.get_item(TableName=TABLE, Key=key("a"))
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1


def test_an_unknown_chaos_setting_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        chaos.parse("unprocesed=0.2")
