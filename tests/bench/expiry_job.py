"""Benchmark: the expiry-reminder job reads what is due, not what is held.

The same 1,000 contracts due in 7 days, alone and then among 50,000 contracts, over moto
in-process: items read from DynamoDB (counted from the responses) and the job's time, as a
ratio. Sending is replaced by a recorder; the claims and marks are real writes.

Moto difference: moto answers a query on an index by scanning the whole table, so its time grows
with the contracts held even though the items read do not; DynamoDB reads only the partition.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import boto3
from moto import mock_aws

from ongpt.contracts.service import Reminders, expiry_shard
from ongpt.contracts.store import ContractStore
from ongpt.customers.service import Customers
from ongpt.jobs.service import Budget, JobPasses
from ongpt.notify.notices import Contact
from ongpt.storage.dynamo import to_item
from ongpt.storage.outbox import Outbox
from ongpt.storage.tables import CUSTOMERS
from tests.bench import quiet
from tests.bench.results import Row
from tests.support.fakes import FakeJobRuns

NOW = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
DUE = 1_000
TARGET_RATIO = 1.2  # for time and for items read


class Recorder:
    """Counts the invitations the job enqueues (the outbox and its worker are measured apart)."""

    def __init__(self) -> None:
        self.sent = 0

    def enqueue(self, notices: Any) -> bool:
        self.sent += len(notices)
        return True


class AllActive:
    """Every due customer's account is active, with a contact. On DynamoDB the job reads each
    due customer's profile (one read per due contract, however many are held): not loaded, not
    counted here."""

    def is_active(self, _customer_id: str) -> bool:
        return True

    def contact(self, customer_id: str) -> Contact:
        return Contact(customer_id, "x@example.com", "+84967915569", "vi")


def _create_table(dynamodb: Any) -> str:
    spec = CUSTOMERS
    attributes = {spec.partition_key, str(spec.sort_key)} | {
        name for index in spec.indexes for name in (index.partition_key, index.sort_key)
    }
    dynamodb.create_table(
        TableName="bench-customers",
        KeySchema=[
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": str(spec.sort_key), "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return "bench-customers"


def _contract(i: int, expires: datetime) -> dict[str, Any]:
    contract_id = f"c{i:06d}"
    return {
        "pk": f"CUSTOMER#u{i:06d}",
        "sk": f"CONTRACT#{contract_id}",
        "contract_id": contract_id,
        "customer_id": f"u{i:06d}",
        "plan": "Pro",
        "status": "ACTIVE",
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "expiry_shard": expiry_shard(contract_id, expires),
    }


def _load(dynamodb: Any, table: str, total: int) -> None:
    due = NOW + timedelta(days=7)
    items = [_contract(i, due) for i in range(DUE)]
    for i in range(DUE, total):  # spread over a year, never on a reminder day
        offset = 40 + i % 300
        items.append(_contract(i, NOW + timedelta(days=offset)))
    for start in range(0, len(items), 25):
        batch = items[start : start + 25]
        dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": to_item(i)}} for i in batch]}
        )


def run(total: int) -> tuple[int, float, int]:
    """(items read, job seconds, invitations sent) with ``total`` contracts held."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="ap-southeast-1")
        table = _create_table(dynamodb)
        _load(dynamodb, table, total)
        read = 0

        def count(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
            nonlocal read
            if model.name in ("Query", "Scan", "GetItem", "BatchGetItem"):
                read += int(parsed.get("Count", 1 if parsed.get("Item") else 0))

        dynamodb.meta.events.register("after-call.dynamodb", count)
        recorder = Recorder()
        job = Reminders(
            contract_store=ContractStore(dynamodb, table),
            customers=cast(Customers, AllActive()),
            outbox=cast(Outbox, recorder),
            dead_letters=lambda _: None,
            job_passes=JobPasses(FakeJobRuns()),
        )
        started = time.perf_counter()
        job.run(NOW, Budget(pages=10**6, page_size=50, remaining_ms=lambda: 10**9))
        return read, time.perf_counter() - started, recorder.sent


def main() -> list[Row]:
    small = run(DUE)
    large = run(50_000)
    print(
        f"expiry job, {DUE} due among {DUE}: {small[0]} items read, {small[1]:.2f} s, "
        f"{small[2]} invitations"
    )
    print(
        f"expiry job, {DUE} due among 50,000: {large[0]} items read, {large[1]:.2f} s, "
        f"{large[2]} invitations; time ratio {large[1] / small[1]:.2f} (target ≤ 1.2), "
        f"items-read ratio {large[0] / small[0]:.2f}"
    )
    return [
        Row(
            f"expiry job, {DUE:,} due among {DUE:,} vs among 50,000: time (moto scans an index; "
            "DynamoDB reads the partition)",
            f"{small[1]:.2f} s vs {large[1]:.2f} s: ratio {large[1] / small[1]:.2f}",
            "≤ 1.2",
            large[1] / small[1] <= TARGET_RATIO,
        ),
        Row(
            "expiry job, the same: items read",
            f"{small[0]:,} vs {large[0]:,}: ratio {large[0] / small[0]:.2f}; "
            f"{small[2]:,} and {large[2]:,} invitations",
            "≤ 1.2",
            large[0] / small[0] <= TARGET_RATIO,
        ),
    ]


if __name__ == "__main__":
    quiet()
    main()
