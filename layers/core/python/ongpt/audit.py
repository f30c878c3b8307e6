"""The audit log (P2.5, P5): append-only, hash-chained, one chain per subject (customer).

Each entry's hash covers its fields and the hash of the entry before it; an entry is written
with ``attribute_not_exists`` on its sequence number, so concurrent writers never overwrite or
fork a chain: the loser re-reads the head and appends after it. One chain per customer keeps
contention to writers about the same customer and lets a customer's history be verified alone.
Functions may put and read entries, never update or delete them (IAM, checked at synth).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from ongpt.clock import timestamp, utcnow
from ongpt.dynamo import from_item, query_all, to_item
from ongpt.errors import DependencyUnavailable

GENESIS = "0" * 64
MAX_TRIES = 30
MAX_BACKOFF_SECONDS = 0.2  # 30 tries stay well inside a function's timeout
SYSTEM = "SYSTEM"  # the subject of entries about no one customer


@dataclass(frozen=True)
class Entry:
    subject: str
    sequence: int
    at: str
    actor: str
    role: str
    action: str
    purpose: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str = ""

    def computed_hash(self) -> str:
        fields = {k: v for k, v in asdict(self).items() if k != "hash"}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    valid: bool
    checked: int
    first_bad: dict[str, Any] | None = None


def verify(entries: list[Entry]) -> Verification:
    """Walk a chain in order: the first changed, missing or reordered entry makes it invalid."""
    previous_hash = GENESIS
    for expected, entry in enumerate(entries, start=1):
        problem = None
        if entry.sequence != expected:
            problem = {"sequence": expected, "reason": "missing"}
        elif entry.computed_hash() != entry.hash:
            problem = {"sequence": entry.sequence, "reason": "changed"}
        elif entry.prev_hash != previous_hash:
            problem = {"sequence": entry.sequence, "reason": "out of order"}
        if problem:
            return Verification(False, expected, problem)
        previous_hash = entry.hash
    return Verification(True, len(entries))


def _key(subject: str, sequence: int) -> dict[str, Any]:
    return to_item({"pk": f"SUBJECT#{subject}", "sk": f"{sequence:012d}"})


@dataclass
class AuditLog:
    dynamodb: Any
    table: str
    clock: Callable[[], datetime] = field(default=lambda: utcnow())
    conflicts: int = 0  # lost races, retried (for metrics and the benchmark)

    def _head(self, subject: str) -> Entry | None:
        found = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"SUBJECT#{subject}"}),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )["Items"]
        return _entry(from_item(found[0])) if found else None

    def append(
        self,
        subject: str,
        *,
        actor: str,
        role: str,
        action: str,
        purpose: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Entry:
        for attempt in range(MAX_TRIES):
            head = self._head(subject)
            draft = Entry(
                subject=subject,
                sequence=head.sequence + 1 if head else 1,
                at=timestamp(self.clock()),
                actor=actor,
                role=role,
                action=action,
                purpose=purpose,
                details=details or {},
                prev_hash=head.hash if head else GENESIS,
            )
            entry = Entry(**{**asdict(draft), "hash": draft.computed_hash()})
            try:
                self.dynamodb.put_item(
                    TableName=self.table,
                    Item={**_key(subject, entry.sequence), **to_item(_attributes(entry))},
                    ConditionExpression="attribute_not_exists(pk)",
                )
                return entry
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                self.conflicts += 1
                backoff = min(MAX_BACKOFF_SECONDS, 0.005 * 2**attempt)
                time.sleep(random.uniform(0, backoff))  # noqa: S311 - full jitter
        raise DependencyUnavailable("The audit log is busy; nothing was done.")

    def entries(self, subject: str) -> list[Entry]:
        found = query_all(
            self.dynamodb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"SUBJECT#{subject}"}),
            ConsistentRead=True,
        )
        return [_entry(values) for values in found]


def _attributes(entry: Entry) -> dict[str, Any]:
    values = asdict(entry)
    values["details"] = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
    return values


def _entry(values: dict[str, Any]) -> Entry:
    return Entry(
        subject=values["subject"],
        sequence=int(values["sequence"]),
        at=values["at"],
        actor=values["actor"],
        role=values["role"],
        action=values["action"],
        purpose=values.get("purpose"),
        details=json.loads(values.get("details", "{}")),
        prev_hash=values["prev_hash"],
        hash=values["hash"],
    )
