"""Many customers at once, written straight into the tables with the stores' own item builders
and batch writes (as a scale tier loads them): registering each through the API would take
hours. Each is what the announcements read of a registered customer: the profile (its status and
active shard) and the ``product_updates`` consent, and the counts of active customers are raised
by as many. The rest of a registration (sealed values, address guards, data keys, the other
consents) is left out: moto writes about a thousand items a second, and nothing here reads
them."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from ongpt import services
from ongpt.consents.service import COUNTED
from ongpt.consents.store import consent_records
from ongpt.customers.store import active_shard, shard_of
from ongpt.platform.clock import timestamp
from ongpt.storage.dynamo import BATCH_WRITE_MOST
from tests.support.deployed import Deployed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

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
