"""API.md v1.2, Lost races: a write that DynamoDB keeps cancelling because concurrent transactions
write the same items (cancellation reason ``TransactionConflict``, which botocore does not retry)
is answered 409 ``CONFLICT`` after the service's own retries, never 503."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.exceptions import ClientError

from ongpt.audit import store as audit_store
from ongpt.audit.store import AuditLog
from ongpt.complaints.store import ComplaintStore
from ongpt.platform.errors import Conflict
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
    monkeypatch.setattr(audit_store, "MAX_BACKOFF_SECONDS", 0)  # no pause between tries
    dynamodb = Losing()
    log = AuditLog(dynamodb.client, "Audit", FakeChainKey())
    with pytest.raises(Conflict) as refused:
        log.append("c-1", actor="staff-1", role="Support", action="complaint.resolved")
    assert refused.value.status == 409
    assert dynamodb.writes == audit_store.MAX_TRIES
