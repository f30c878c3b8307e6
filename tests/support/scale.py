"""Many customers at once, written straight into the local runtime's tables with the stores' own
item builders (as a scale tier loads them): registering each through the API would take hours.

Writes go into moto's tables through its own ``put_item`` and ``update_item``, as its
``BatchWriteItem`` and ``TransactWriteItems`` apply them, without the HTTP round trip (three
times faster: moto stores about 4,000 items a second here). Keys come from this process's moto
KMS the same way (``LocalKms``): one data key a customer, sealed values, keyed audit entries, and
no API call per customer.

``load_customers`` writes what the announcements read: profiles and their ``product_updates``
consent, and the sharded counts. ``load_population`` writes whole customers: the profile
(sealed, under the customer's data key), the current consents, a contract (expiry days spread
over a year), the registration's audit entry; and some of them a recent audit entry, an open
complaint, an edit request awaiting review, or a closed account past its grace period."""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.kms.models import kms_backends

from local.template import ACCOUNT_ID
from ongpt.audit.chain_key import ChainKey
from ongpt.audit.service import GENESIS, Entry
from ongpt.audit.store import AuditLog
from ongpt.complaints.store import ComplaintStore
from ongpt.consents.service import COUNTED
from ongpt.consents.store import consent_records
from ongpt.contracts.service import expiry_shard
from ongpt.contracts.store import ContractStore
from ongpt.customers.store import CustomerStore, active_shard, shard_of
from ongpt.edits.store import EditStore
from ongpt.lifecycle.store import CLOSING_KEY
from ongpt.platform import settings as env
from ongpt.platform.clock import timestamp
from ongpt.registration.service import COMPLETED_ACTION
from ongpt.security.crypto import DataKeys, seal
from ongpt.storage.key_store import KeyStore
from tests.support.deployed import Deployed

LOADED_AT = datetime(2026, 1, 1, tzinfo=UTC)
# One customer in ``n`` of a population has each of these (at a different place in the cycle).
CLOSED_EVERY = (50, 7)  # a closed account, past its grace period: the erasure's
RECENT_EVERY = (20, 3)  # an audit entry in the last hour: the anchors' and the verification's
# an open complaint, an edit request awaiting review: the staff queues', each a full page of
# 100 (the most API.md allows) at 1,000 customers
COMPLAINING_EVERY = (10, 5)
EDITING_EVERY = (10, 9)
CONTRACT_DAYS = 365  # the contracts' expiry days: one a day, over a year from the run


def _one_in(every: tuple[int, int], i: int) -> bool:
    return i % every[0] == every[1]


class LocalKms:
    """KMS's ``GenerateDataKey`` and ``GenerateMac`` as this process's moto answers them, without
    the call: what the stores' key builders (``DataKeys``, ``ChainKey``) ask of KMS."""

    def __init__(self, region: str) -> None:
        self._kms = kms_backends[ACCOUNT_ID][region]

    def generate_data_key(
        self, KeyId: str, KeySpec: str, EncryptionContext: dict[str, str]
    ) -> dict[str, bytes]:
        plaintext, wrapped, _ = self._kms.generate_data_key(KeyId, EncryptionContext, 0, KeySpec)
        return {"Plaintext": plaintext, "CiphertextBlob": wrapped}

    def generate_mac(self, KeyId: str, MacAlgorithm: str, Message: bytes) -> dict[str, bytes]:
        mac, _, _ = self._kms.generate_mac(Message, KeyId, MacAlgorithm, [], False)
        return {"Mac": base64.b64decode(mac)}


class Tables:
    """What the stores write with, into moto's tables: a put, an update (a counter), a
    transaction's writes (its condition checks, which write nothing, left out)."""

    def __init__(self, region: str) -> None:
        self._db = dynamodb_backends[ACCOUNT_ID][region]

    def put_item(self, TableName: str, Item: Mapping[str, Any], **_: Any) -> None:
        self._db.put_item(TableName, dict(Item))

    def update_item(
        self,
        TableName: str,
        Key: Mapping[str, Any],
        UpdateExpression: str,
        ExpressionAttributeValues: Mapping[str, Any],
        ExpressionAttributeNames: Mapping[str, str] | None = None,
        **_: Any,
    ) -> None:
        self._db.update_item(
            TableName,
            dict(Key),
            UpdateExpression,
            dict(ExpressionAttributeNames or {}),
            dict(ExpressionAttributeValues),
        )

    def transact_write_items(self, TransactItems: Sequence[Any], **_: Any) -> None:
        for write in TransactItems:
            if "Put" in write:
                self.put_item(**write["Put"])
            elif "Update" in write:
                self.update_item(**write["Update"])
            elif "ConditionCheck" not in write:
                raise ValueError(f"not loaded: {sorted(write)}")


@dataclass
class Stores:
    """The stores a load writes with, on the tables of the function whose environment is set."""

    region: str
    tables: Tables = field(init=False)
    kms: LocalKms = field(init=False)

    def __post_init__(self) -> None:
        self.tables = Tables(self.region)
        self.kms = LocalKms(self.region)

    def customers(self) -> CustomerStore:
        return CustomerStore(self.tables, env.CUSTOMERS_TABLE.value(), env.GUARDS_TABLE.value())  # type: ignore[arg-type]

    def keys(self) -> KeyStore:
        data_keys = DataKeys(self.kms, env.DATA_KEY_ID.value())  # type: ignore[arg-type]
        return KeyStore(self.tables, env.DATA_KEYS_TABLE.value(), data_keys)  # type: ignore[arg-type]

    def audit(self) -> AuditLog:
        chain_key = ChainKey(self.kms, env.AUDIT_KEY_ID.value())  # type: ignore[arg-type]
        return AuditLog(self.tables, env.AUDIT_TABLE.value(), chain_key)  # type: ignore[arg-type]

    def contracts(self) -> ContractStore:
        return ContractStore(self.tables, env.CUSTOMERS_TABLE.value())  # type: ignore[arg-type]

    def complaints(self) -> ComplaintStore:
        return ComplaintStore(self.tables, env.CUSTOMERS_TABLE.value())  # type: ignore[arg-type]

    def edits(self) -> EditStore:
        return EditStore(self.tables, env.CUSTOMERS_TABLE.value())  # type: ignore[arg-type]


@contextmanager
def loading(aws: Deployed) -> Iterator[Stores]:
    """Stores on the world's tables, with the keys (the registration's environment names every
    table and key a load writes)."""
    with aws.environment_of("registration"):
        yield Stores(aws.template.region())


def counted(stores: Stores, ids: Sequence[str], consenting: Callable[[int], bool]) -> None:
    """The sharded counts raised by the active customers ``ids`` (``consenting(i)``: the
    ``i``-th consents to product updates)."""
    counts = defaultdict[int, Counter[str]](Counter)
    for i, customer_id in enumerate(ids):
        counts[shard_of(customer_id)].update({"active": 1, COUNTED: int(consenting(i))})
    customer_store = stores.customers()
    for shard, count in counts.items():
        one = next(customer_id for customer_id in ids if shard_of(customer_id) == shard)
        raised = customer_store.counting(
            one, active=count["active"], product_updates=count[COUNTED]
        )
        stores.tables.update_item(**raised["Update"])


def load_customers(aws: Deployed, count: int, consenting: Callable[[int], bool]) -> list[str]:
    """``count`` active customers, the ``i``-th consenting to product updates if
    ``consenting(i)``: their ids, in the order made. Only what the announcements read: no
    sealed value, no other consent."""
    with loading(aws) as stores:
        customer_store, ids = stores.customers(), []
        for i in range(count):
            customer_id = str(uuid.uuid4())
            created = timestamp(LOADED_AT + timedelta(microseconds=i))
            profile = {
                "status": "ACTIVE",
                "status_key": active_shard(customer_id),
                "language": "vi",
                "created_at": created,
                "updated_at": created,
            }
            given = {"privacy_policy": "", "terms": "", "marketing": False, COUNTED: consenting(i)}
            records = [
                r for r in consent_records(given, created) if r["sk"] == f"CONSENT#{COUNTED}"
            ]
            for written in customer_store.creating(customer_id, profile, {}, records):
                if written["Put"]["TableName"] == env.CUSTOMERS_TABLE.value():
                    stores.tables.put_item(**written["Put"])
            ids.append(customer_id)
        counted(stores, ids, consenting)
    return ids


@dataclass
class Population:
    """The customers loaded: ids in the order made, and the run's clock (``now``)."""

    now: datetime
    ids: list[str]


def consents_to_updates(i: int) -> bool:
    return i % 4 != 0


def load_population(aws: Deployed, count: int, now: datetime, start: int = 0) -> Population:
    """``count`` whole customers (see the module's docstring), made in the year before ``now``;
    their contracts expire in the year after it. ``start``: the place in the cycles of the
    first (a population loaded in parts)."""
    with loading(aws) as stores:
        builder = _Builder(stores, now)
        made = range(start, start + count)
        ids = [builder.customer(i) for i in made]
        still = [n for n, i in enumerate(made) if not _one_in(CLOSED_EVERY, i)]
        counted(stores, [ids[n] for n in still], lambda k: consents_to_updates(made[still[k]]))
    return Population(now, ids)


@dataclass
class _Builder:
    stores: Stores
    now: datetime

    def __post_init__(self) -> None:
        self.customer_store = self.stores.customers()
        self.keys = self.stores.keys()
        self.audit = self.stores.audit()
        self.contracts = self.stores.contracts()
        self.complaints = self.stores.complaints()
        self.edits = self.stores.edits()

    def customer(self, i: int) -> str:
        """The ``i``-th customer, whole: their id."""
        customer_id = str(uuid.uuid4())
        made = self.now - timedelta(days=CONTRACT_DAYS) + timedelta(seconds=i)
        created = timestamp(made)
        key, key_item = self.keys.new({"customer_id": customer_id})
        profile: dict[str, Any] = {
            "full_name": seal(key, customer_id, "full_name", f"Khách Hàng {i}"),
            "email": seal(key, customer_id, "email", f"khach.{i}@example.com"),
            "phone": seal(key, customer_id, "phone", f"+8496{i % 10**7:07d}"),
            "status": "ACTIVE",
            "status_key": active_shard(customer_id),
            "language": "vi",
            "created_at": created,
            "updated_at": created,
        }
        guards: dict[str, str] = {}
        if _one_in(CLOSED_EVERY, i):
            closed = timestamp(self.now - timedelta(days=31))
            profile |= {"status": "CLOSING", "status_key": CLOSING_KEY, "closed_at": closed}
            profile["erase_after"] = timestamp(self.now - timedelta(days=1))
            guards = {"email": f"email-{customer_id}", "phone": f"phone-{customer_id}"}
        given = {
            "privacy_policy": "2024-10",
            "terms": "2024-10",
            "marketing": False,
            COUNTED: consents_to_updates(i),
        }
        current = [r for r in consent_records(given, created) if r["sk"].count("#") == 1]
        expires = self.now + timedelta(days=1 + i % CONTRACT_DAYS, hours=1)
        contract = self._contract(customer_id, f"c-{customer_id}", made, expires)
        self.stores.tables.transact_write_items(
            [
                *self.customer_store.creating(customer_id, profile, guards, current),
                key_item,
                *contract,
            ]
        )
        first = self._entry(customer_id, 1, made, COMPLETED_ACTION, GENESIS)
        if _one_in(RECENT_EVERY, i):
            at = self.now - timedelta(minutes=30) + timedelta(microseconds=i)
            self._entry(customer_id, 2, at, "consent.set", first)
        if _one_in(COMPLAINING_EVERY, i):
            self._complaint(customer_id, made + timedelta(days=1))
        if _one_in(EDITING_EVERY, i):
            self._edit_request(customer_id, key, made + timedelta(days=2))
        return customer_id

    def _contract(
        self, customer_id: str, contract_id: str, made: datetime, expires: datetime
    ) -> list[Any]:
        return self.contracts.adding(
            {
                "contract_id": contract_id,
                "customer_id": customer_id,
                "plan": "Pro",
                "status": "ACTIVE",
                "starts_at": timestamp(made),
                "expires_at": timestamp(expires),
                "expiry_shard": expiry_shard(contract_id, expires),
                "created_at": timestamp(made),
                "updated_at": timestamp(made),
            }
        )

    def _entry(self, customer_id: str, sequence: int, at: datetime, action: str, prev: str) -> str:
        """An entry of the customer's own chain, keyed, as ``AuditLog.append`` writes it: its
        hash."""
        draft = Entry(
            customer_id, sequence, timestamp(at), customer_id, "customer", action, None, {}, prev
        )
        entry_hash = draft.computed_hash()
        mac = self.audit.chain_key.mac(entry_hash)
        self.audit.write_once(replace(draft, hash=entry_hash, mac=mac))
        return entry_hash

    def _complaint(self, customer_id: str, filed: datetime) -> None:
        """An open complaint of the customer's, as ``Complaints.file`` records it."""
        complaint_id = str(uuid.uuid4())
        key, key_item = self.keys.new({"complaint_id": complaint_id})
        values = {"subject": "Hoá đơn", "message": "Tôi bị tính tiền hai lần.", "contact": "{}"}
        record = {
            "complaint_id": complaint_id,
            "category": "billing",
            "status": "OPEN",
            "customer_id": customer_id,
            "created_at": timestamp(filed),
            "updated_at": timestamp(filed),
            "reference": complaint_id[:9].upper(),
            **{name: seal(key, complaint_id, name, value) for name, value in values.items()},
        }
        self.complaints.add(record, along=[key_item])

    def _edit_request(self, customer_id: str, key: bytes, filed: datetime) -> None:
        """A change of name awaiting review, as ``EditRequests.create`` records it."""
        edit_id = str(uuid.uuid4())
        changes = json.dumps({"full_name": "Khách Hàng Mới"})
        self.edits.add(
            {
                "edit_request_id": edit_id,
                "customer_id": customer_id,
                "status": "PENDING_REVIEW",
                "changes": seal(key, customer_id, f"edit:{edit_id}", changes),
                "reason": seal(key, customer_id, f"edit-reason:{edit_id}", "Đổi tên"),
                "attempts": 0,
                "created_at": timestamp(filed),
                "updated_at": timestamp(filed),
                "code_expires_at": timestamp(filed),
            }
        )
