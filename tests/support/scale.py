"""Many customers at once, or one customer's years of records, written straight into the tables
with the stores' own item builders and batch writes (as a scale tier loads them): making each
through the API would take hours.

``load_customers``: each is what the announcements read of a registered customer: the profile (its
status and active shard) and the ``product_updates`` consent, and the counts of active customers
are raised by as many. The rest of a registration (sealed values, address guards, data keys, the
other consents) is left out: moto writes about a thousand items a second, and nothing here reads
them.

``load_history``: a registered customer's records of years, as the services would have written
them (sealed under the customer's key, each complaint under its own, the audit chain hashed and
keyed), every free text at its longest and in Vietnamese: the export's largest answer."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from ongpt import services
from ongpt.audit.service import GENESIS, Entry
from ongpt.complaints.service import RESOLUTION, new_reference
from ongpt.consents.service import COUNTED
from ongpt.consents.store import consent_records
from ongpt.contracts.service import expiry_shard
from ongpt.customers.store import active_shard, shard_of
from ongpt.notify.delivery import Kind
from ongpt.platform.clock import timestamp
from ongpt.security.crypto import seal
from ongpt.storage.dynamo import BATCH_WRITE_MOST
from tests.support.deployed import Deployed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, WriteRequestTypeDef

LOADED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@contextmanager
def batch_writer(table: str) -> Iterator[Callable[[dict[str, Any]], None]]:
    """``put(item)`` into ``table``, ``BATCH_WRITE_MOST`` at a time (moto leaves nothing
    unprocessed). Its client skips botocore's validation of what it sends: a third of the time."""
    dynamodb = boto3.client("dynamodb", config=Config(parameter_validation=False))
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        if pending:
            requests: list[WriteRequestTypeDef] = [{"PutRequest": {"Item": i}} for i in pending]
            dynamodb.batch_write_item(RequestItems={table: requests})
        pending.clear()

    def put(item: dict[str, Any]) -> None:
        pending.append(item)
        if len(pending) == BATCH_WRITE_MOST:
            flush()

    yield put
    flush()


def load_customers(aws: Deployed, count: int, consenting: Callable[[int], bool]) -> list[str]:
    """``count`` active customers, the ``i``-th consenting to product updates if
    ``consenting(i)``: their ids, in the order made."""
    table = aws.function("registration").environment["CUSTOMERS_TABLE"]
    with aws.environment_of("registration"), batch_writer(table) as put:
        customer_store = services.customer_store()
        ids, counts = [], defaultdict[int, Counter[str]](Counter)
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
                if written["Put"]["TableName"] == table:
                    put(dict(written["Put"]["Item"]))
            counts[shard_of(customer_id)].update({"active": 1, COUNTED: int(consenting(i))})
            ids.append(customer_id)
        dynamodb = boto3.client("dynamodb")
        for shard in counts:
            one = next(customer_id for customer_id in ids if shard_of(customer_id) == shard)
            counted = customer_store.counting(
                one, active=counts[shard]["active"], product_updates=counts[shard][COUNTED]
            )
            dynamodb.update_item(**counted["Update"])
    return ids


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


def put_all(items: Iterable[TransactWriteItemTypeDef]) -> None:
    """The ``Put`` of each transaction item, batch-written into its table."""
    by_table = defaultdict[str, list[dict[str, Any]]](list)
    for item in items:
        put = item["Put"]
        by_table[put["TableName"]].append(dict(put["Item"]))
    for table, puts in by_table.items():
        with batch_writer(table) as put_one:
            for one in puts:
                put_one(one)


def load_history(aws: Deployed, customer_id: str, history: History) -> Written:
    """``history``'s records of the registered customer ``customer_id``, as the services write
    them; what the export must show of them."""
    written = Written()
    with aws.environment_of("complaints"):  # it names every table and key written here
        data_key = services.key_store().open({"customer_id": customer_id})
        put_all(
            [
                *_edit_requests(customer_id, data_key, history.edit_requests, written),
                *_contracts(customer_id, data_key, history.contracts, written),
                *_complaints(customer_id, history.complaints, written),
                *_disclosures(customer_id, history.disclosures, written),
                *_notices(customer_id, history.notices, written),
                *_consent_changes(customer_id, history.consent_changes, written),
                *_audit_entries(customer_id, history, written),
            ]
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
