"""API.md v1.2, Lost races: a write that DynamoDB keeps cancelling because concurrent transactions
write the same items (cancellation reason ``TransactionConflict``, which botocore does not retry)
is answered 409 ``CONFLICT`` after the service's own retries, never 503."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.exceptions import ClientError

from ongpt.audit.store import AuditLog
from ongpt.complaints.store import ComplaintStore
from ongpt.platform.errors import Conflict
from ongpt.storage import races
from ongpt.storage.dynamo import TransactionConflict, conditional_update, transact
from tests.support.fakes import FakeChainKey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

LOST: dict[str, Any] = {
    "Error": {"Code": "TransactionCanceledException"},
    "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
}


class Losing:
    """A DynamoDB client on which every write loses to a concurrent transaction."""

    def __init__(self) -> None:
        self.writes = 0

    def _lose(self, operation: str) -> dict[str, Any]:
        self.writes += 1
        raise ClientError(cast("Any", LOST), operation)

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return self._lose("TransactWriteItems")

    def put_item(self, **_: Any) -> dict[str, Any]:
        return self._lose("PutItem")

    def query(self, **_: Any) -> dict[str, Any]:
        return {"Items": []}  # an empty chain

    @property
    def client(self) -> DynamoDBClient:
        return cast("DynamoDBClient", self)


def test_a_guest_complaints_move_that_loses_to_a_concurrent_write_is_a_conflict() -> None:
    store = ComplaintStore(Losing().client, "Customers")
    with pytest.raises(Conflict) as refused:
        store.move("c-1", "OPEN", {"status": "RESOLVED", "updated_at": "2027-01-01T00:00:00Z"})
    assert refused.value.status == 409


def test_an_audited_write_that_keeps_losing_is_a_conflict_after_the_logs_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(races, "MAX_PAUSE_SECONDS", 0)  # no pause between tries
    dynamodb = Losing()
    log = AuditLog(dynamodb.client, "Audit", FakeChainKey())
    with pytest.raises(Conflict) as refused:
        log.append("c-1", actor="staff-1", role="Support", action="complaint.resolved")
    assert (refused.value.status, refused.value.code) == (409, "CONFLICT")
    assert dynamodb.writes == races.TRIES


class LosingThenRaced(Losing):
    """Writes that alternately lose to a concurrent transaction and find the sequence they put
    taken: each kind of loss retried by a loop of its own, nested, would multiply the tries."""

    def put_item(self, **_: Any) -> dict[str, Any]:
        self.writes += 1
        if self.writes % 2:
            raise ClientError(cast("Any", LOST), "PutItem")
        raise ClientError(
            cast("Any", {"Error": {"Code": "ConditionalCheckFailedException"}}), "PutItem"
        )


def test_an_audited_write_and_the_transaction_inside_it_share_one_budget_of_tries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(races, "MAX_PAUSE_SECONDS", 0)
    dynamodb = LosingThenRaced()
    log = AuditLog(dynamodb.client, "Audit", FakeChainKey())
    with pytest.raises(Conflict):
        log.append("c-1", actor="staff-1", role="Support", action="complaint.resolved")
    assert dynamodb.writes == races.TRIES  # not TRIES for each of the append's tries
    assert log.conflicts == races.TRIES


class LosingAtFirst:
    """A DynamoDB client on which the first ``losses`` writes lose a race, as DynamoDB answers a
    transaction (``TransactionCanceledException``) or a single write
    (``TransactionConflictException``), and the next ones succeed."""

    def __init__(self, losses: int, failure: dict[str, Any]) -> None:
        self.losses, self.failure, self.writes = losses, failure, 0

    def _write(self, operation: str) -> dict[str, Any]:
        self.writes += 1
        if self.writes <= self.losses:
            raise ClientError(cast("Any", self.failure), operation)
        return {}

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return self._write("TransactWriteItems")

    def update_item(self, **_: Any) -> dict[str, Any]:
        return self._write("UpdateItem")

    @property
    def client(self) -> DynamoDBClient:
        return cast("DynamoDBClient", self)


SINGLE_LOST: dict[str, Any] = {"Error": {"Code": "TransactionConflictException"}}
PUTS: Any = [{"Put": {"TableName": "T", "Item": {}}}, {"Put": {"TableName": "T", "Item": {}}}]


def test_a_transaction_cancelled_by_a_concurrent_one_is_sent_again_until_it_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(races, "MAX_PAUSE_SECONDS", 0)
    dynamodb = LosingAtFirst(3, LOST)
    transact(dynamodb.client, PUTS)
    assert dynamodb.writes == 4


def test_a_single_write_refused_for_an_ongoing_transaction_is_sent_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(races, "MAX_PAUSE_SECONDS", 0)
    dynamodb = LosingAtFirst(2, SINGLE_LOST)
    assert conditional_update(dynamodb.client, TableName="T", Key={}, ConditionExpression="c")
    assert dynamodb.writes == 3


def test_a_transaction_whose_conditions_failed_is_not_sent_again() -> None:
    failed = {
        "Error": {"Code": "TransactionCanceledException"},
        "CancellationReasons": [
            {"Code": "ConditionalCheckFailed"},
            {"Code": "TransactionConflict"},
        ],
    }
    dynamodb = LosingAtFirst(1, failed)
    with pytest.raises(TransactionConflict):
        transact(dynamodb.client, PUTS)
    assert dynamodb.writes == 1


def test_races_are_waited_for_with_growing_jittered_pauses_within_a_bound() -> None:
    pauses: list[float] = []
    dynamodb = Losing()
    with pytest.raises(races.LostRace):
        races.until_won(dynamodb.put_item, pause=pauses.append)
    assert dynamodb.writes == races.TRIES
    assert len(pauses) == races.TRIES - 1
    assert all(0 <= p <= races.MAX_PAUSE_SECONDS for p in pauses)
    assert sum(pauses) < 2.0
