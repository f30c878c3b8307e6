"""The audit table (appends under a condition, reads by chain and by day) and the anchor bucket
(``ongpt.audit.anchors``)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from ongpt.audit.chain_key import ChainKey
from ongpt.audit.models import GENESIS, HIDDEN_FROM_CUSTOMER, Anchor, AnchorObject, Entry
from ongpt.platform import concurrency
from ongpt.platform.access import STAFF_ROLES
from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import (
    TransactionConflict,
    from_item,
    partitioned_page,
    query_all,
    query_page,
    to_item,
    transact,
)
from ongpt.storage.races import Raced, until_won
from ongpt.storage.tables import BY_WRITTEN_DAY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        PutTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
    )
    from mypy_boto3_s3.client import S3Client

    from ongpt.platform.caller import Caller

WRITTEN_DAY_SHARDS = 4  # index partitions per day, so a busy day does not heat one partition
SEQUENCE_CEILING = 10**12  # sequences stay below; anchor keys sort newest first
ANCHORS_READ = 2  # a chain's newest anchor, and the one below it that it names
ANCHOR_FIELDS = {f.name: int if f.name.endswith("sequence") else str for f in fields(Anchor)}


def _key(subject: str, sequence: int) -> dict[str, Any]:
    return to_item({"pk": f"SUBJECT#{subject}", "sk": f"{sequence:012d}"})


def written_day(subject: str, at: str) -> str:
    """The ``by-written-day`` partition of an entry: its UTC day and the subject's shard."""
    shard = int(hashlib.sha256(subject.encode()).hexdigest()[:8], 16) % WRITTEN_DAY_SHARDS
    return f"{at[:10]}#{shard}"


@dataclass
class AuditLog:
    dynamodb: DynamoDBClient
    table: str
    chain_key: ChainKey
    clock: Callable[[], datetime] = field(default=lambda: utcnow())
    conflicts: int = 0  # lost races, retried (for metrics and the benchmark)
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @tracer.capture_method
    def head(self, subject: str) -> Entry | None:
        found = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"SUBJECT#{subject}"}),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )["Items"]
        return _entry(from_item(found[0])) if found else None

    @tracer.capture_method
    def append_by(
        self,
        staff: Caller,
        subject: str,
        *,
        action: str,
        purpose: str | None = None,
        details: dict[str, Any] | None = None,
        along: Sequence[TransactWriteItemTypeDef] = (),
    ) -> Entry:
        """``append`` of what a member of staff does: their id and role as the actor."""
        return self.append(
            subject,
            actor=staff.id,
            role=staff.role or "",
            action=action,
            purpose=purpose,
            details=details,
            along=along,
        )

    @tracer.capture_method
    def append_each_by(
        self,
        staff: Caller,
        seen: Sequence[tuple[str, dict[str, Any]]],
        *,
        action: str,
        purpose: str,
    ) -> None:
        """``append_by`` of each (subject, details) ``seen``: a subject's in order, the chains a
        few at once (``concurrency.each``). Every entry is written when this returns; else the
        error is raised once every chain's appends have ended."""
        by_subject: dict[str, list[dict[str, Any]]] = {}
        for subject, details in seen:
            by_subject.setdefault(subject, []).append(details)

        def chain(subject: str) -> None:
            for details in by_subject[subject]:
                self.append_by(staff, subject, action=action, purpose=purpose, details=details)

        concurrency.each(chain, list(by_subject))

    def append(
        self,
        subject: str,
        *,
        actor: str,
        role: str,
        action: str,
        purpose: str | None = None,
        details: dict[str, Any] | None = None,
        along: Sequence[TransactWriteItemTypeDef] = (),
    ) -> Entry:
        """The items ``along`` (a state change, its outbox items) and the next entry of the
        subject's chain in one transaction: all or nothing.

        The entry is put under ``attribute_not_exists`` on its sequence number: when only that
        condition failed, another writer took the sequence, and the whole transaction is tried
        again after the new head (``ongpt.storage.races``: ``LostRace``, 409, if it keeps
        losing). ``TransactionConflict`` (positions in ``along``) when items of ``along`` failed
        theirs: the caller says what that means."""

        def once() -> Entry:
            entry = self._next(subject, actor, role, action, purpose, details or {})
            if not (self.write_once(entry, along) or self._written(entry)):
                raise Raced
            return entry

        return until_won(once, lost=self._lost)

    def _lost(self) -> None:
        with self._counting:  # appends run on several threads at once (``append_each_by``)
            self.conflicts += 1

    def _written(self, entry: Entry) -> bool:
        """Whether the entry holding ``entry``'s sequence is ``entry`` itself: its write landed
        but the answer was lost, and the SDK's retry found the sequence taken (by it)."""
        found = self.dynamodb.query(  # Query, as ``head`` reads: the roles' one read action
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk = :sk",
            ExpressionAttributeValues=to_item(
                {":pk": f"SUBJECT#{entry.subject}", ":sk": f"{entry.sequence:012d}"}
            ),
            ConsistentRead=True,
        )["Items"]
        return bool(found) and from_item(found[0]).get("hash") == entry.hash

    def _next(
        self,
        subject: str,
        actor: str,
        role: str,
        action: str,
        purpose: str | None,
        details: dict[str, Any],
    ) -> Entry:
        """The entry after the chain's head, hashed and keyed."""
        head = self.head(subject)
        draft = Entry(
            subject=subject,
            sequence=head.sequence + 1 if head else 1,
            at=timestamp(self.clock()),
            actor=actor,
            role=role,
            action=action,
            purpose=purpose,
            details=details,
            prev_hash=head.hash if head else GENESIS,
        )
        return self.keyed(draft)

    def keyed(self, draft: Entry) -> Entry:
        """``draft`` with its hash and the audit key's MAC of it."""
        entry_hash = draft.computed_hash()
        return Entry(**{**asdict(draft), "hash": entry_hash, "mac": self.chain_key.mac(entry_hash)})

    def item(self, entry: Entry) -> dict[str, AttributeValueTypeDef]:
        """The table item of ``entry``."""
        return {**_key(entry.subject, entry.sequence), **to_item(_attributes(entry))}

    @tracer.capture_method
    def write_once(self, entry: Entry, along: Sequence[TransactWriteItemTypeDef] = ()) -> bool:
        """Writes ``entry`` with ``along`` unless its sequence is taken (another writer won):
        False then."""
        put: PutTypeDef = {
            "TableName": self.table,
            "Item": self.item(entry),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        try:
            transact(self.dynamodb, [*along, {"Put": put}])  # alone, one PutItem
        except TransactionConflict as conflict:
            if conflict.failed != (len(along),):
                raise TransactionConflict(conflict.failed) from None
            return False
        return True

    @tracer.capture_method
    def entries(self, subject: str, *, after: int = 0) -> list[Entry]:
        """The chain in order, or only its entries after sequence number ``after``."""
        found = query_all(
            self.dynamodb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk > :after",
            ExpressionAttributeValues=to_item(
                {":pk": f"SUBJECT#{subject}", ":after": f"{after:012d}"}
            ),
            ConsistentRead=True,
        )
        return [_entry(values) for values in found]

    @tracer.capture_method
    def page(self, subject: str, page: PageRequest) -> Page[Entry]:
        """A page of the chain, oldest first."""
        found = query_page(
            self.dynamodb,
            page,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"SUBJECT#{subject}"}),
            ConsistentRead=True,
        )
        return found.map(_entry)

    @tracer.capture_method
    def accesses(self, subject: str, page: PageRequest) -> Page[dict[str, Any]]:
        """A page of staff's accesses to the subject's data (``HIDDEN_FROM_CUSTOMER`` aside),
        oldest first: role, action, purpose and time, never who (not even read). The filter is
        DynamoDB's, so a page may come back short (``query_page``)."""
        hidden = {f":hidden{i}": prefix for i, prefix in enumerate(HIDDEN_FROM_CUSTOMER)}
        staff_roles = {f":role{i}": role for i, role in enumerate(STAFF_ROLES.values())}
        found = query_page(
            self.dynamodb,
            page,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            FilterExpression=" AND ".join(
                [
                    f"#role IN ({', '.join(staff_roles)})",
                    *(f"NOT begins_with(#action, {name})" for name in hidden),
                ]
            ),
            ProjectionExpression="pk, sk, #role, #action, #purpose, #at",
            ExpressionAttributeNames={
                "#role": "role",
                "#action": "action",
                "#purpose": "purpose",
                "#at": "at",
            },
            ExpressionAttributeValues=to_item(
                {":pk": f"SUBJECT#{subject}", **staff_roles, **hidden}
            ),
            ConsistentRead=True,
        )
        return found.map(lambda e: {k: e.get(k) for k in ("role", "action", "purpose", "at")})

    @tracer.capture_method
    def written_page(
        self, since: datetime, until: datetime, after: Position, limit: int
    ) -> Page[str]:
        """A page of the subjects with an entry written at or after ``since``, from the
        ``by-written-day`` index (a partition per day and shard up to ``until``'s day, never a
        Scan), from ``after``: at most ``limit`` entries' subjects, each once (a subject written
        often is on more than one page)."""
        queries: list[QueryInputTypeDef] = []
        day, last = since.astimezone(UTC).date(), until.astimezone(UTC).date()
        while day <= last:
            queries += [
                {
                    "TableName": self.table,
                    "IndexName": BY_WRITTEN_DAY.name,
                    "KeyConditionExpression": "written_day = :day AND #at >= :since",
                    "ExpressionAttributeNames": {"#at": "at"},
                    "ExpressionAttributeValues": to_item(
                        {":day": f"{day.isoformat()}#{shard}", ":since": timestamp(since)}
                    ),
                    "ProjectionExpression": "subject, written_day, #at, pk, sk",
                }
                for shard in range(WRITTEN_DAY_SHARDS)
            ]
            day += timedelta(days=1)
        keys = (BY_WRITTEN_DAY.partition_key, BY_WRITTEN_DAY.sort_key, "pk", "sk")
        found = partitioned_page(self.dynamodb, queries, after, limit, keys)
        subjects = dict.fromkeys(str(entry["subject"]) for entry, _ in found.items)
        return Page(list(subjects), found.after)


def _prefix(subject: str) -> str:
    return f"{quote(subject, safe='')}/"


def _object_key(subject: str, sequence: int) -> str:
    return f"{_prefix(subject)}{SEQUENCE_CEILING - sequence:012d}.json"


class AnchorStore:
    """The anchor bucket: one write-once object per anchored head, named
    ``<subject>/<10^12 - sequence>.json``, so a subject's newest anchors are the first its prefix
    lists (one ``ListObjectsV2``)."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @tracer.capture_method
    def newest(self, subject: str) -> list[AnchorObject]:
        """The chain's newest anchor and the one below it (fewer if it has fewer), newest
        first."""
        listed = self._s3.list_objects_v2(
            Bucket=self._bucket, Prefix=_prefix(subject), MaxKeys=ANCHORS_READ
        )
        return [
            _anchor_object(subject, item["Key"], self._body(item["Key"]))
            for item in listed.get("Contents", [])
        ]

    def _body(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    @tracer.capture_method
    def put(self, anchor: Anchor) -> bool:
        """Write the anchor once; False if that head was anchored already."""
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=_object_key(anchor.subject, anchor.sequence),
                Body=json.dumps(asdict(anchor)).encode(),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "PreconditionFailed":
                return False
            raise
        return True


def _anchor_object(subject: str, key: str, body: bytes) -> AnchorObject:
    """An object of the bucket as read: whatever its key and bytes hold (they may be anyone's
    who could write the bucket), its anchor only if they are one (an anchor's fields, of their
    types) of that subject and sequence."""
    try:
        sequence = SEQUENCE_CEILING - int(key.removeprefix(_prefix(subject)).removesuffix(".json"))
    except ValueError:
        sequence = 0
    anchor = _anchor(body)
    if anchor and (anchor.subject, anchor.sequence) != (subject, sequence):
        anchor = None
    return AnchorObject(sequence, hashlib.sha256(body).hexdigest(), anchor)


def _anchor(body: bytes) -> Anchor | None:
    """The anchor the bytes hold (an anchor's fields, each of its type), or None."""
    try:
        values = json.loads(body)
    except ValueError:
        return None
    if not isinstance(values, dict) or {k: type(v) for k, v in values.items()} != ANCHOR_FIELDS:
        return None
    return Anchor(**values)


def _attributes(entry: Entry) -> dict[str, Any]:
    values = asdict(entry)
    values["details"] = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
    values["written_day"] = written_day(entry.subject, entry.at)
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
        mac=values.get("mac", ""),
    )
