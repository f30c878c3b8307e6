"""Benchmark: the audit chain's write cost per entry and its conflict rate under concurrency:
rounds in which that many writers append to one customer's chain at the same moment, over moto
in-process (with DynamoDB's atomic conditional writes, see tests/support/atomic_moto.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
from moto import mock_aws

from ongpt.audit.chain import verify
from ongpt.audit.chain_key import ChainKey
from ongpt.audit.store import AuditLog
from ongpt.storage.tables import AUDIT
from tests.bench import quiet
from tests.bench.results import Row
from tests.support.atomic_moto import atomic_writes

ROUNDS = 5


def _table(dynamodb: object) -> str:
    name = "bench-audit"
    dynamodb.create_table(  # type: ignore[attr-defined]
        TableName=name,
        KeySchema=[
            {"AttributeName": AUDIT.partition_key, "KeyType": "HASH"},
            {"AttributeName": str(AUDIT.sort_key), "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": AUDIT.partition_key, "AttributeType": "S"},
            {"AttributeName": str(AUDIT.sort_key), "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _hmac_key(kms: object) -> str:
    created = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")  # type: ignore[attr-defined]
    return str(created["KeyMetadata"]["KeyId"])


def run(writers: int) -> tuple[float, float, bool]:
    """(conflicts per entry, DynamoDB calls per entry, chain valid) for ``writers`` at once."""
    with mock_aws(), atomic_writes():
        dynamodb = boto3.client("dynamodb", region_name="ap-southeast-1")
        table = _table(dynamodb)
        calls = 0
        lock = threading.Lock()

        def count(**_: object) -> None:
            nonlocal calls
            with lock:
                calls += 1

        dynamodb.meta.events.register("before-call", count)
        kms = boto3.client("kms", region_name="ap-southeast-1")
        key = ChainKey(kms, _hmac_key(kms))
        log = AuditLog(dynamodb, table, key)
        for _ in range(ROUNDS):
            start = threading.Barrier(writers)

            def append(i: int, start: threading.Barrier = start) -> None:
                start.wait()
                log.append("bench", actor=f"w{i}", role="support", action="bench")

            with ThreadPoolExecutor(max_workers=writers) as pool:
                list(pool.map(append, range(writers)))
        entries = log.entries("bench")
        total = ROUNDS * writers
        assert len(entries) == total
        return log.conflicts / total, (calls - 1) / total, verify(entries, keyed=key.valid).valid


def main() -> list[Row]:
    rows = []
    for writers in (1, 20):
        conflicts, calls, valid = run(writers)
        print(
            f"audit chain, {ROUNDS} rounds of {writers} writer(s) appending at once: "
            f"{conflicts:.2f} conflicts per entry, {calls:.2f} DynamoDB calls per entry "
            f"(ratio to one writer's 2.00: {calls / 2:.2f}), chain valid: {valid}"
        )
        rows.append(
            Row(
                f"audit chain, {ROUNDS} rounds of {writers} writer(s) on one customer at once",
                f"{conflicts:.2f} conflicts and {calls:.2f} DynamoDB calls per entry "
                f"({calls / 2:.2f}x one writer's 2.00); chain valid: {valid}",
            )
        )
    return rows


if __name__ == "__main__":
    quiet()
    main()
