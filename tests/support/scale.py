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
complaint, an edit request awaiting review, or a closed account past its grace period.

``load_history``: a registered customer's records of years, as the services would have written
them (sealed under the customer's key, each complaint under its own, the audit chain hashed and
keyed), every free text at its longest and in Vietnamese: the export's largest answer."""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models import dynamodb_backends
from moto.kms.models import kms_backends

from local.template import ACCOUNT_ID
from ongpt import services
from ongpt.audit.chain_key import ChainKey
from ongpt.audit.models import GENESIS, Entry
from ongpt.audit.store import AuditLog
from ongpt.complaints.service import RESOLUTION, new_reference
from ongpt.complaints.store import ComplaintStore
from ongpt.consents.service import COUNTED
from ongpt.consents.store import consent_records
from ongpt.contracts.service import expiry_shard
from ongpt.contracts.store import ContractStore
from ongpt.customers.store import CustomerStore, active_shard, shard_of
from ongpt.edits.store import EditStore
from ongpt.lifecycle.store import CLOSING_KEY
from ongpt.notify.delivery import Kind
from ongpt.platform import settings as env
from ongpt.platform.clock import timestamp
from ongpt.registration.service import COMPLETED_ACTION
from ongpt.security.crypto import DataKeys, seal
from ongpt.storage.key_store import KeyStore
from tests.support.deployed import Deployed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

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


@dataclass(frozen=True)
class History:
    """How many records of each kind one customer has gathered."""

    notices: int
    audit_entries: int  # staff's accesses, and the entries of the disclosures among them
    edit_requests: int
    contracts: int
    complaints: int
    disclosures: int
    consent_changes: int


# The largest plausible customer (issue 27): five years of 2,000 notices, 1,000 audit entries,
# 100 edit requests and 20 contracts; with them 25 complaints (5 a year), 20 disclosures (one a
# quarter) and 100 consent changes.
FIVE_YEARS = History(
    notices=2000,
    audit_entries=1000,
    edit_requests=100,
    contracts=20,
    complaints=25,
    disclosures=20,
    consent_changes=100,
)
HISTORY_FROM = datetime(2021, 1, 1, tzinfo=UTC)  # five years before LOADED_AT
# Vietnamese letters with their marks only: each is a 6-byte ``\uXXXX`` in a JSON body (written in
# ASCII) and 7 bytes in Lambda's response (the body is JSON in JSON): the most bytes a plausible
# text of its length takes.
TEXT = "ễứờầậớợằặếệồộữựđ"
# The lists of the export whose records have an id, and its field.
EXPORT_IDS = {
    "edit_requests": "edit_request_id",
    "contracts": "contract_id",
    "complaints": "complaint_id",
    "disclosures": "disclosure_id",
}


@dataclass
class Written:
    """What ``load_history`` wrote, as the export shows it: per list, the new records' ids, or
    for a list whose records have none (``notifications``, ``access_log``, ``consent_history``)
    the records themselves."""

    ids: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    records: defaultdict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def vietnamese(length: int) -> str:
    """``length`` characters of ``TEXT``."""
    return (TEXT * (length // len(TEXT) + 1))[:length]


def _at(i: int, of: int) -> str:
    """The time of the ``i``-th of ``of`` records, spread evenly over the five years."""
    return timestamp(HISTORY_FROM + (LOADED_AT - HISTORY_FROM) * (i + 1) / (of + 1))


def put_all(region: str, items: Iterable[TransactWriteItemTypeDef]) -> None:
    """The ``Put`` of each transaction item, written into its table."""
    tables = Tables(region)
    for item in items:
        tables.put_item(**item["Put"])


def load_history(aws: Deployed, customer_id: str, history: History) -> Written:
    """``history``'s records of the registered customer ``customer_id``, as the services write
    them; what the export must show of them."""
    written = Written()
    with aws.environment_of("complaints"):  # it names every table and key written here
        data_key = services.key_store().open({"customer_id": customer_id})
        put_all(
            aws.template.region(),
            [
                *_edit_requests(customer_id, data_key, history.edit_requests, written),
                *_contracts(customer_id, data_key, history.contracts, written),
                *_complaints(customer_id, history.complaints, written),
                *_disclosures(customer_id, history.disclosures, written),
                *_notices(customer_id, history.notices, written),
                *_consent_changes(customer_id, history.consent_changes, written),
                *_audit_entries(customer_id, history, written),
            ],
        )
    return written


def _edit_requests(
    customer_id: str, data_key: bytes, count: int, written: Written
) -> Iterator[TransactWriteItemTypeDef]:
    """Requests decided or withdrawn, with the longest changes, reason and note."""
    store = services.edit_store()
    changes = {
        "full_name": vietnamese(100),
        "optional": {"company": vietnamese(200), "address": vietnamese(200)},
    }
    for i in range(count):
        edit_id, at = str(uuid.uuid4()), _at(i, count)
        values = {
            "edit_request_id": edit_id,
            "customer_id": customer_id,
            "status": ("APPLIED", "REJECTED", "WITHDRAWN")[i % 3],
            "changes": seal(data_key, customer_id, f"edit:{edit_id}", json.dumps(changes)),
            "reason": seal(data_key, customer_id, f"edit-reason:{edit_id}", vietnamese(500)),
            "note": seal(data_key, customer_id, f"edit-note:{edit_id}", vietnamese(500)),
            "attempts": 0,
            "created_at": at,
            "updated_at": at,
        }
        written.ids["edit_requests"].add(edit_id)
        yield from store.filing(values)


def _contracts(
    customer_id: str, data_key: bytes, count: int, written: Written
) -> Iterator[TransactWriteItemTypeDef]:
    store = services.contract_store()
    for i in range(count):
        contract_id, at = str(uuid.uuid4()), _at(i, count)
        expires = datetime.fromisoformat(at) + timedelta(days=365)
        written.ids["contracts"].add(contract_id)
        yield from store.adding(
            {
                "contract_id": contract_id,
                "customer_id": customer_id,
                "plan": vietnamese(64),
                "status": "ACTIVE",
                "starts_at": at,
                "expires_at": timestamp(expires),
                "expiry_shard": expiry_shard(contract_id, expires),
                "reference": seal(
                    data_key, customer_id, f"contract-reference:{contract_id}", vietnamese(100)
                ),
                "created_at": at,
                "updated_at": at,
            }
        )


def _complaints(
    customer_id: str, count: int, written: Written
) -> Iterator[TransactWriteItemTypeDef]:
    """Complaints each under a data key of its own, every other one resolved."""
    keys, store = services.key_store(), services.complaint_store()
    for i in range(count):
        complaint_id, at = str(uuid.uuid4()), _at(i, count)
        complaint_key, key_item = keys.new({"complaint_id": complaint_id})
        values = {"subject": vietnamese(200), "message": vietnamese(5000), "contact": "{}"}
        if i % 2:
            values[RESOLUTION] = vietnamese(2000)
        record = {
            "complaint_id": complaint_id,
            "reference": new_reference(),
            "category": "privacy",
            "status": "RESOLVED" if i % 2 else "OPEN",
            "customer_id": customer_id,
            "created_at": at,
            "updated_at": at,
            **{f: seal(complaint_key, complaint_id, f, v) for f, v in values.items()},
        }
        written.ids["complaints"].add(complaint_id)
        yield key_item
        yield from store.adding(record)


def _disclosures(
    customer_id: str, count: int, written: Written
) -> Iterator[TransactWriteItemTypeDef]:
    """Disclosures to authorities, the last still under a confidentiality order."""
    store = services.disclosure_store()
    for i in range(count):
        disclosure_id = str(uuid.uuid4())
        hidden = i == count - 1
        if not hidden:
            written.ids["disclosures"].add(disclosure_id)
        yield store.adding(
            customer_id,
            {
                "disclosure_id": disclosure_id,
                "recipient": f"authority-{i % 5}",
                "legal_basis": "legal_obligation",
                "authority_reference": vietnamese(200),
                "data_categories": ["contact", "profile", "contracts", "complaints", "consents"],
                "recorded_by": "alice",
                "recorded_at": _at(i, count),
                "confidential_until": "2099-01-01T00:00:00Z" if hidden else None,
            },
        )


def _notices(customer_id: str, count: int, written: Written) -> Iterator[TransactWriteItemTypeDef]:
    store, kinds = services.notice_store(), [kind.value for kind in Kind]
    for i in range(count):
        kind, channel, at = kinds[i % len(kinds)], ("email", "sms")[i % 2], _at(i, count)
        written.records["notifications"].append({"type": kind, "channel": channel, "sent_at": at})
        yield store.line(customer_id, kind, channel, at, str(uuid.uuid4()))


def _consent_changes(
    customer_id: str, count: int, written: Written
) -> Iterator[TransactWriteItemTypeDef]:
    """Changes of the optional purposes and of sharing with ten partners, taking turns."""
    store = services.consent_store()
    purposes = ["marketing", "product_updates", *(f"third_party_sharing:p-{n}" for n in range(10))]
    for i in range(count):
        state = {
            "purpose": purposes[i % len(purposes)],
            "granted": i // len(purposes) % 2 == 0,
            "updated_at": _at(i, count),
            "source": "customer",
        }
        written.records["consent_history"].append({**state, "version": None})
        yield from store.change(customer_id, state)


STAFF_ACCESSES = (  # (role, action, purpose): what staff do with a customer's data
    ("support", "customer.read", "customer_support"),
    ("support", "edit_request.view", "customer_support"),
    ("compliance", "customer.read", "legal_request"),
    ("admin", "complaint.read", "complaint_resolution"),
)


def _audit_entries(
    customer_id: str, history: History, written: Written
) -> Iterator[TransactWriteItemTypeDef]:
    """The chain continued after its head: staff's accesses, and the disclosures' entries
    (which the customer is not shown), each hashed and keyed as an append does."""
    log = services.audit_log()
    head = log.head(customer_id)
    sequence, prev_hash = (head.sequence, head.hash) if head else (0, GENESIS)
    for i in range(history.audit_entries):
        at = _at(i, history.audit_entries)
        if i < history.disclosures:
            role, action, purpose = "compliance", "disclosure.record", "legal_request"
        else:
            role, action, purpose = STAFF_ACCESSES[i % len(STAFF_ACCESSES)]
            access = {"role": role, "action": action, "purpose": purpose, "at": at}
            written.records["access_log"].append(access)
        sequence += 1
        entry = log.keyed(
            Entry(
                subject=customer_id,
                sequence=sequence,
                at=at,
                actor="alice",
                role=role,
                action=action,
                purpose=purpose,
                details={"request_id": str(uuid.uuid4())},
                prev_hash=prev_hash,
            )
        )
        prev_hash = entry.hash
        yield {"Put": {"TableName": log.table, "Item": log.item(entry)}}
