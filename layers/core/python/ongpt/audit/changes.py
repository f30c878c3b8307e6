"""Changes to existing audit entries (P2.5, P5), as the Audit table's stream records them.

Entries are only ever added (``attribute_not_exists`` on their sequence), so a stream record of
an entry changed (MODIFY) or removed (REMOVE) is a rewrite of the log, whoever made it: an
appending function's role may put items, and a put over an existing entry is an overwrite that IAM
cannot tell from an append. Each is counted (``AuditEntriesChanged``, alarmed) and logged with the
entry's subject and sequence and the names of the attributes that differ: entries hold no personal
value, and the log shows no value at all.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from ongpt.audit.models import Entry
from ongpt.platform.business_metrics import count
from ongpt.platform.telemetry import logger

CHANGED = "AuditEntriesChanged"
KEY_PREFIX = "SUBJECT#"  # an entry's partition key (``ongpt.audit.store``)
# An entry item's attributes (``ongpt.audit.store``); any other name is logged as "other".
ATTRIBUTES = frozenset({"pk", "sk", "written_day", *(field.name for field in fields(Entry))})


def report(record: DynamoDBRecord) -> None:
    """Count one change of an existing entry and log which, how, and what differs."""
    change = record.dynamodb
    keys = change.keys if change else {}
    before, after = (change.old_image, change.new_image) if change else ({}, {})
    count(CHANGED)
    logger.warning(
        "audit entry changed",
        extra={
            "code": "AUDIT_ENTRY_CHANGED",
            "change": record.event_name.name if record.event_name else None,
            **_entry(keys),
            "attributes": _differing(before, after),
        },
    )


def _differing(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The names of the attributes whose values differ (all, for a removed entry)."""
    names = (n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    return sorted({name if name in ATTRIBUTES else "other" for name in names})


def _entry(keys: dict[str, Any]) -> dict[str, Any]:
    """The entry's subject and sequence, from an entry's key; nothing from any other key (an
    item that is no entry could hold anything)."""
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    if not (pk.startswith(KEY_PREFIX) and sk.isascii() and sk.isdigit()):
        return {"subject": None, "sequence": None}
    return {"subject": pk.removeprefix(KEY_PREFIX), "sequence": int(sk)}
