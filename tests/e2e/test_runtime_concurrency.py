"""The local runtime's moto keeps DynamoDB's atomicity while function environments call it at
once (``local/moto_host.py``): without it, moto answers concurrent transactions with 500s (it
copies whole tables while other requests change them) and may let two conditional writes pass.
And it has DynamoDB's transaction conflicts (``local/transactions.py``) and, on demand, its
partial answers (``local/chaos.py``)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.client import LocalClient
from tests.support.runtime import aws_client, chaos_mode, held

WRITERS = 10
ROUNDS = 3
FILLER = 600  # moto copies a table per transaction: a table of some size makes the copy slow


def _dynamodb(local_runtime: LocalClient) -> Any:
    no_retries = Config(retries={"mode": "standard", "max_attempts": 1})  # see every failure
    return aws_client(local_runtime, "dynamodb", no_retries)


def _table(dynamodb: Any) -> str:
    name = f"race-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _filled_table(dynamodb: Any) -> str:
    name = _table(dynamodb)
    for first in range(0, FILLER, 25):
        dynamodb.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {"pk": {"S": f"filler-{i}"}, "v": {"S": "x" * 200}}}}
                    for i in range(first, first + 25)
                ]
            }
        )
    return name


def test_concurrent_conditional_transactions_each_commit_whole_and_only_one_wins(
    local_runtime: LocalClient,
) -> None:
    clients = [_dynamodb(local_runtime) for _ in range(WRITERS)]
    table = _filled_table(clients[0])
    for round_ in range(ROUNDS):
        start = threading.Barrier(WRITERS)

        def claim(writer: int, round_: int = round_, start: threading.Barrier = start) -> str:
            start.wait()
            try:
                clients[writer].transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": table,
                                "Item": {"pk": {"S": f"claim-{round_}"}, "by": {"S": str(writer)}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {"Put": {"TableName": table, "Item": {"pk": {"S": f"{round_}-{writer}"}}}},
                    ]
                )
            except ClientError as error:
                return str(error.response["Error"]["Code"])
            return "won"

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            outcomes = list(pool.map(claim, range(WRITERS)))
        assert sorted(set(outcomes)) == ["TransactionCanceledException", "won"]
        assert outcomes.count("won") == 1
        winner = str(outcomes.index("won"))
        claimed = clients[0].get_item(TableName=table, Key={"pk": {"S": f"claim-{round_}"}})
        assert claimed["Item"]["by"]["S"] == winner
        written = [
            "Item" in clients[0].get_item(TableName=table, Key={"pk": {"S": f"{round_}-{w}"}})
            for w in range(WRITERS)
        ]
        assert written == [outcome == "won" for outcome in outcomes]  # nothing half-written


def test_a_held_write_waits_while_other_writes_go_on_and_completes_once_released(
    local_runtime: LocalClient,
) -> None:
    """The pause a race test puts between a request's read and its write (``local/holds.py``):
    the held call waits at moto, others run meanwhile, and the held one then runs as sent."""
    dynamodb = _dynamodb(local_runtime)
    table = _filled_table(dynamodb)
    marker = uuid.uuid4().hex

    def put(pk: str) -> None:
        dynamodb.put_item(
            TableName=table,
            Item={"pk": {"S": pk}},
            ConditionExpression="attribute_not_exists(pk)",
        )

    paused = f"held-{marker}"
    with ThreadPoolExecutor(1) as pool:
        with held(local_runtime, "PutItem", contains=paused) as hold:
            first = pool.submit(put, paused)
            hold.until_arrived()
            put(f"meanwhile-{marker}")  # not held: it is written while the first one waits
            assert not first.done()
            assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": paused}})
        first.result(timeout=30)  # released as the hold's block ended
    assert "Item" in dynamodb.get_item(TableName=table, Key={"pk": {"S": paused}})


def test_a_call_held_longer_than_its_clients_read_timeout_is_still_read_once(
    local_runtime: LocalClient,
) -> None:
    """The functions' SDK stops reading after 5 s and sends the call again (``ongpt.platform.
    aws``): a held call keeps its caller reading (``local/holds.py``), so it is neither timed out
    nor sent a second time, unheld, while the first waits."""
    impatient = Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=2)
    dynamodb = aws_client(local_runtime, "dynamodb", impatient)
    table = _filled_table(_dynamodb(local_runtime))
    paused = f"held-{uuid.uuid4().hex}"
    # The pool is entered first so that it is left last: the hold is released before the pool
    # waits for the put.
    with ThreadPoolExecutor(1) as pool, held(local_runtime, "PutItem", contains=paused) as hold:
        put = pool.submit(dynamodb.put_item, TableName=table, Item={"pk": {"S": paused}})
        hold.until_arrived()
        time.sleep(5)  # more than two read timeouts
        assert not put.done()
    put.result(timeout=30)  # answered, not timed out


def _put(table: str, pk: str) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {"pk": {"S": pk}}}}


def test_a_write_meeting_an_ongoing_transaction_conflicts_as_on_dynamodb(
    local_runtime: LocalClient,
) -> None:
    dynamodb = _dynamodb(local_runtime)
    table = _table(dynamodb)
    with chaos_mode(local_runtime, "tx_latency_ms=3000"), ThreadPoolExecutor(1) as pool:
        first = pool.submit(
            dynamodb.transact_write_items, TransactItems=[_put(table, "a"), _put(table, "b")]
        )
        time.sleep(1)  # the first is under way: it takes 3 s
        with pytest.raises(ClientError) as single:
            dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}})
        with pytest.raises(ClientError) as cancelled:
            dynamodb.transact_write_items(TransactItems=[_put(table, "c"), _put(table, "b")])
        assert not first.done()
        first.result()
    assert single.value.response["Error"]["Code"] == "TransactionConflictException"
    transaction = cancelled.value.response
    assert transaction["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in transaction["CancellationReasons"]] == [
        "None",
        "TransactionConflict",
    ]
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "c"}})


def test_chaos_mode_hands_back_unprocessed_items(local_runtime: LocalClient) -> None:
    dynamodb = _dynamodb(local_runtime)
    table = _table(dynamodb)
    requests = [{"PutRequest": {"Item": {"pk": {"S": f"p-{i}"}}}} for i in range(3)]
    with chaos_mode(local_runtime, "unprocessed=1"):
        answer = dynamodb.batch_write_item(RequestItems={table: requests})
    assert len(answer["UnprocessedItems"][table]) == 2  # all but one
    plain = dynamodb.batch_write_item(RequestItems=answer["UnprocessedItems"])
    assert plain["UnprocessedItems"] == {}  # chaos off again
