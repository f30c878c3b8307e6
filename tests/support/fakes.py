"""In-memory stores and gateways with the real ones' interfaces, for testing services' rules
without moto or AWS (unit tier) and wherever a test needs a store it can look into.

Each fake subclasses what it stands for, keeps its state in plain attributes a test may read,
and raises the same domain errors as the real store where the rule depends on them."""

from __future__ import annotations

import hmac
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from botocore.exceptions import ClientError

from ongpt.audit.chain_key import ChainKey
from ongpt.audit.models import Entry
from ongpt.audit.store import AnchorStore, AuditLog
from ongpt.complaints.store import ComplaintStore
from ongpt.consents.store import ConsentStore
from ongpt.contracts.store import ContractStore
from ongpt.customers.store import CustomerStore
from ongpt.jobs.store import JobRun, JobRunStore
from ongpt.notify.delivery import Kind, Notifier
from ongpt.notify.store import Counter, SendCounters
from ongpt.platform.errors import Conflict
from ongpt.platform.pages import Page, PageRequest, Position
from ongpt.security.crypto import seal
from ongpt.storage.key_store import KeyGone, KeyStore, owner_key
from ongpt.storage.markers import Markers
from ongpt.storage.outbox import Deferred, Notice, Outbox, Owner

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef
    from mypy_boto3_s3.client import S3Client

T = TypeVar("T")


def paged(items: list[T], page: PageRequest) -> Page[T]:
    """``items`` a page at a time, as a store answers (a position: how many came before)."""
    start = int(page.after["seen"]) if page.after else 0
    end = len(items) if page.limit is None else start + page.limit
    return Page(items[start:end], {"seen": end} if end < len(items) else None)


class FakeKeyStore(KeyStore):
    """Each owner's data key in a dict: the key store with its items' plaintext."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}

    def new(self, context: dict[str, str]) -> tuple[bytes, TransactWriteItemTypeDef]:
        self.keys[owner_key(context)] = plaintext = os.urandom(32)
        return plaintext, {"Put": {"TableName": "keys", "Item": {"pk": {"S": owner_key(context)}}}}

    def open(self, context: dict[str, str]) -> bytes:
        if owner_key(context) not in self.keys:
            raise KeyGone(owner_key(context))
        return self.keys[owner_key(context)]

    def open_all(self, kind: str, owners: Sequence[str]) -> dict[str, bytes]:
        return {owner: self.open({kind: owner}) for owner in owners}


class FakeCustomerStore(CustomerStore):
    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}

    def profile(self, customer_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.profiles.get(customer_id)

    def profiles_of(self, customer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {c: self.profiles[c] for c in customer_ids if c in self.profiles}


def a_customer(
    customer_store: FakeCustomerStore,
    key_store: FakeKeyStore,
    customer_id: str = "c-1",
    *,
    full_name: str = "Nguyễn Văn An",
    email: str = "an.nguyen@example.com",
    phone: str = "+84967915569",
    language: str | None = "vi",
) -> str:
    """A customer's profile sealed as registration seals it; their id."""
    data_key, _ = key_store.new({"customer_id": customer_id})
    fields = {"full_name": full_name, "email": email, "phone": phone, "optional": "{}"}
    customer_store.profiles[customer_id] = {
        **{f: seal(data_key, customer_id, f, v) for f, v in fields.items()},
        "status": "ACTIVE",
        "language": language,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    return customer_id


class FakeConsentStore(ConsentStore):
    def __init__(self) -> None:
        self.states: dict[tuple[str, str], dict[str, Any]] = {}
        self.changes: list[tuple[str, dict[str, Any]]] = []

    def current(self, customer_id: str) -> list[dict[str, Any]]:
        return [s for (c, _), s in self.states.items() if c == customer_id]

    def history(self, customer_id: str) -> list[dict[str, Any]]:
        return [s for c, s in self.changes if c == customer_id]

    def granted(self, customer_id: str, purpose: str) -> bool:
        return bool(self.states.get((customer_id, purpose), {}).get("granted"))

    def change(
        self, customer_id: str, state: dict[str, Any], was: bool | None = None
    ) -> list[TransactWriteItemTypeDef]:
        """Changed at once: the fake audit log always commits."""
        self.states[(customer_id, state["purpose"])] = state
        self.changes.append((customer_id, state))
        return []


class FakeComplaintStore(ComplaintStore):
    def __init__(self) -> None:
        self.complaints: dict[str, dict[str, Any]] = {}

    def add(self, record: dict[str, Any], along: Sequence[TransactWriteItemTypeDef] = ()) -> None:
        self.complaints[record["complaint_id"]] = dict(record)

    def get(self, complaint_id: str) -> dict[str, Any] | None:
        found = self.complaints.get(complaint_id)
        return dict(found) if found else None

    def in_status(self, status: str, page: PageRequest) -> Page[dict[str, Any]]:
        found = [dict(c) for c in self.complaints.values() if c["status"] == status]
        return paged(sorted(found, key=lambda c: str(c["created_at"])), page)

    def moving(
        self, complaint_id: str, from_status: str, changes: dict[str, Any]
    ) -> list[TransactWriteItemTypeDef]:
        """Moved at once: the fake audit log always commits."""
        if self.complaints[complaint_id]["status"] != from_status:
            raise Conflict("The complaint changed meanwhile.")
        self.complaints[complaint_id].update(changes)
        return []

    def _transact(self, items: Sequence[TransactWriteItemTypeDef]) -> None:
        """Nothing left to write: ``moving`` moved at once."""

    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        found = [dict(c) for c in self.complaints.values() if c.get("customer_id") == customer_id]
        return paged(found, page)


class FakeSendCounters(SendCounters):
    """No limit is ever reached: nothing is counted."""

    def __init__(self) -> None:
        pass

    def take(self, counters: list[Counter]) -> bool:
        return True

    def counting(self, counters: list[Counter]) -> list[TransactWriteItemTypeDef]:
        return []


class FakeContractStore(ContractStore):
    def __init__(self) -> None:
        self.contracts: dict[str, dict[str, Any]] = {}
        self.partitions_read: list[str] = []

    def add(self, values: dict[str, Any]) -> None:
        self.contracts[values["contract_id"]] = dict(values)

    def find(self, contract_id: str) -> dict[str, Any] | None:
        return self.contracts.get(contract_id)

    def of_customer(self, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        return paged([c for c in self.contracts.values() if c["customer_id"] == customer_id], page)

    def as_written(self, contracts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {c["contract_id"]: self.contracts[c["contract_id"]] for c in contracts}

    def due_page(self, partitions: list[str], after: Position, limit: int) -> Page[dict[str, Any]]:
        """A partition's contracts a page (a position: the partition, how many came before)."""
        partition, seen = int(after.get("partition", 0)), int(after.get("seen", 0))
        if not seen:
            self.partitions_read.append(partitions[partition])
        due = [c for c in self.contracts.values() if c["expiry_shard"] == partitions[partition]]
        if seen + limit < len(due):
            return Page(due[seen : seen + limit], {"partition": partition, "seen": seen + limit})
        following = {"partition": partition + 1} if partition + 1 < len(partitions) else None
        return Page(due[seen:], following)


class FakeJobRuns(JobRunStore):
    """Each job's run in a dict, written on condition of the version read, as the store does."""

    def __init__(self) -> None:
        self.runs: dict[str, JobRun] = {}

    def read(self, job: str) -> JobRun:
        return self.runs.get(job, JobRun())

    def write(self, job: str, run: JobRun, over: JobRun) -> JobRun | None:
        if self.read(job).version != over.version:
            return None
        self.runs[job] = written = replace(run, version=over.version + 1)
        return written


class FakeChainKey(ChainKey):
    """The audit key as a local HMAC (KMS's own answers are tested through moto)."""

    def __init__(self) -> None:
        self._key = os.urandom(32)

    def mac(self, message_hash: str) -> str:
        return hmac.new(self._key, bytes.fromhex(message_hash), "sha256").hexdigest()

    def verifies(self, message_hash: str, mac_b64: str) -> bool:
        return hmac.compare_digest(mac_b64, self.mac(message_hash))


class FakeAuditLog(AuditLog):
    """The real chain (``AuditLog.append``), its entries kept in memory in the order written."""

    def __init__(self) -> None:
        super().__init__(cast("DynamoDBClient", None), "", FakeChainKey())
        self.appended: list[Entry] = []

    def head(self, subject: str) -> Entry | None:
        return next((e for e in reversed(self.appended) if e.subject == subject), None)

    def entries(self, subject: str, *, after: int = 0) -> list[Entry]:
        return [e for e in self.appended if e.subject == subject and e.sequence > after]

    def page(self, subject: str, page: PageRequest) -> Page[Entry]:
        return paged(self.entries(subject), page)

    def write_once(self, entry: Entry, along: Sequence[TransactWriteItemTypeDef] = ()) -> bool:
        self.appended.append(entry)
        return True

    def actions(self) -> list[str]:
        return [entry.action for entry in self.appended]


class FakeAnchorBucket:
    """S3 as the anchor store calls it: objects by key, each written once."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def list_objects_v2(self, *, Bucket: str, Prefix: str, MaxKeys: int) -> dict[str, Any]:
        keys = sorted(key for key in self.objects if key.startswith(Prefix))[:MaxKeys]
        return {"Contents": [{"Key": key} for key in keys]} if keys else {}

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[Key])}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:
        if Key in self.objects:  # the store always puts with If-None-Match
            raise ClientError({"Error": {"Code": "PreconditionFailed"}}, "PutObject")
        self.objects[Key] = Body


class FakeAnchorStore(AnchorStore):
    """The real anchor store on an in-memory bucket (``bucket.objects``)."""

    def __init__(self) -> None:
        self.bucket = FakeAnchorBucket()
        super().__init__(cast("S3Client", self.bucket), "anchors")


class FakeOutbox(Outbox):
    """Notices enqueued, by id, once each; enqueuing to a ``failing`` address raises as a
    refused write would. ``items`` counts as enqueued: the fake audit log always commits."""

    def __init__(self) -> None:
        self.enqueued: dict[str, Notice | Deferred] = {}
        self.failing: set[str] = set()

    def items(
        self, notices: Sequence[Notice | Deferred], made: tuple[Owner, bytes] | None = None
    ) -> list[TransactWriteItemTypeDef]:
        for notice in notices:
            if isinstance(notice, Notice) and notice.to in self.failing:
                raise ClientError({"Error": {"Code": "InternalServerError"}}, "TransactWriteItems")
        self.enqueued.update((notice.notice_id, notice) for notice in notices)
        return []

    def enqueue(self, notices: Sequence[Notice]) -> bool:
        if any(notice.notice_id in self.enqueued for notice in notices):
            return False
        self.items(notices)
        return True

    def sent(self) -> list[Notice]:
        return [notice for notice in self.enqueued.values() if isinstance(notice, Notice)]


class FakeMarkers(Markers):
    def __init__(self) -> None:
        self.done: set[tuple[str, str]] = set()

    def once(self, pk: str, sk: str, work: Callable[[], T]) -> T | None:
        if (pk, sk) in self.done:
            return None
        self.done.add((pk, sk))
        try:
            return work()
        except BaseException:
            self.done.discard((pk, sk))
            raise


@dataclass(frozen=True)
class Sent:
    channel: str
    to: str
    kind: Kind
    values: dict[str, str]


class FakeNotifier(Notifier):
    """Records what would be sent; ``failing`` addresses raise as a refused send would."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.failing: set[str] = set()

    def _send(self, channel: str, to: str, kind: Kind, values: dict[str, str]) -> None:
        if to in self.failing:  # as SES or SNS refuses after the SDK's retries
            raise ClientError({"Error": {"Code": "Throttling"}}, f"send {channel}")
        self.sent.append(Sent(channel, to, kind, values))

    def email(
        self,
        to: str,
        kind: Kind,
        language: str | None,
        *,
        customer_id: str | None = None,
        **values: str,
    ) -> None:
        self._send("email", to, kind, values)

    def sms(
        self,
        to: str,
        kind: Kind,
        language: str | None,
        *,
        customer_id: str | None = None,
        **values: str,
    ) -> bool:
        self._send("sms", to, kind, values)
        return True
