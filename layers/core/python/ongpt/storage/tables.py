"""The DynamoDB tables: names, keys, indexes and TTL, shared by the CDK app, code and tests.

Every key attribute is a string. Items (``pk`` / ``sk``) by table:

Customers (one table per customer's records, partitioned by customer):
- ``CUSTOMER#<id>`` / ``PROFILE``: the profile, personal fields encrypted per customer.
- ``CUSTOMER#<id>`` / ``CONSENT#<purpose>``: current consent; ``CONSENT#<purpose>#<time>``: history.
- ``CUSTOMER#<id>`` / ``EDIT#<id>``, ``CONTRACT#<id>``, ``NOTICE#<time>#<id>``,
  ``COMPLAINT#<id>``, ``DISCLOSURE#<id>``, ``HOLD#<id>`` (legal holds; pointer
  ``LEGALHOLD#<id>`` / ``POINTER``).
- index ``by-status`` (``status_key``, ``created_at``): the staff queues, e.g.
  ``EDIT#PENDING_REVIEW`` and ``COMPLAINT#OPEN``, oldest first; active customers by shard,
  ``CUSTOMER#ACTIVE#<n>``, and closing ones, ``CUSTOMER#CLOSING`` (the erasure job's).
- index ``by-expiry-day`` (``expiry_shard``, ``contract_id``): contracts due on a day,
  ``<YYYY-MM-DD>#<shard>``, so the reminder job reads only what is due.

Registrations: ``REGISTRATION#<id>``, pending sign-ups with hashed codes, and ``RECOVERY#<id>``,
account recoveries (blind indexes of the pair, hashed codes); TTL ``expires_at_epoch``.
Also the send counters (``ongpt.notify.send_limits``):
``LIMIT#ADDRESS#<channel>#<hmac>#<window>#<start>`` (codes),
``LIMIT#NOTICE#<channel>#<hmac>#<window>#<start>`` (notices others' requests cause)
and ``LIMIT#CALLER#<sha256>#<window>#<start>``, each with its TTL.
Audit: ``SUBJECT#<customer id>`` / ``<sequence>``: append-only, hash-chained, keyed entries.
- index ``by-written-day`` (``written_day``, ``at``): entries written on a day,
  ``<YYYY-MM-DD>#<shard>``, so the anchor job finds the chains that changed without a Scan.
- its stream (old and new images) feeds ``audit_changes``, which alarms on any entry changed or
  removed (``ongpt.audit.changes``).
Analytics: ``DAY#<YYYY-MM-DD>#<shard>`` / ``<time>#<id>``: no field links to a person; TTL.
Idempotency: Powertools' idempotency records (``id``, TTL ``expiration``).
DataKeys (the key store, ``ongpt.storage.key_store``): ``<owner type>#<id>`` / the owner's data
key wrapped by the data CMK, one item per owner. Erasing the item erases every value sealed under
it, in the tables and their backups; so this table keeps a short point-in-time recovery period
and no backups (``recovery_days``, ``backed_up``), which bound how long an erased key survives.
Guards (``ongpt.customers.store``): ``EMAIL#<hmac>`` / ``GUARD`` and ``PHONE#<hmac>`` / ``GUARD``,
uniqueness by blind index (the owner's id), and ``CUSTOMER#<id>`` / ``ADDRESSES``, the blind
indexes of the customer's guards. The one table where a blind index meets a customer's id: as the
blind-index key outlives erasure, it keeps the key store's short recovery period and no backups.
Outbox (``ongpt.storage.outbox``): ``<notice id>``: a notice to send, its recipient and values
sealed under its owner's data key, written in the transaction of the change it tells of; its
stream (new images) feeds the delivery worker, which claims, sends and marks it; TTL
``expires_at_epoch``.
Erasures (the ledger, ``ongpt.erasure.store``): ``<customer id>``: when its erasure started and
ended (ids and times only), kept and backed up so that a restore can replay the erasures since;
index ``by-month`` (``month``, ``started_at``).
Jobs (``ongpt.jobs.store``): ``<function>#<job>``: a scheduled job's passes still to finish and
where the first goes on (a page's position: ids and index keys, no personal value).
"""

from __future__ import annotations

from dataclasses import dataclass

from ongpt.platform import settings as env


@dataclass(frozen=True)
class Index:
    """A global secondary index projecting all attributes."""

    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableSpec:
    """One table: its construct id, the environment variable holding its name, its keys."""

    construct_id: str
    env_var: env.Variable[str]
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    recovery_days: int = 35  # point-in-time recovery period (DynamoDB: 1 to 35 days)
    backed_up: bool = True  # in the AWS Backup plan (daily for 35 days, monthly for a year)
    stream: str | None = None  # the view type of its DynamoDB stream, if it has one


BY_STATUS = Index("by-status", "status_key", "created_at")
BY_EXPIRY_DAY = Index("by-expiry-day", "expiry_shard", "contract_id")
BY_WRITTEN_DAY = Index("by-written-day", "written_day", "at")
BY_MONTH = Index("by-month", "month", "started_at")

CUSTOMER = "CUSTOMER#{}"  # the partition of a customer's items in Customers

# How long a destroyed data key can still be restored: the bound on every erased value.
KEY_STORE_RECOVERY_DAYS = 7

CUSTOMERS = TableSpec(
    "Customers", env.CUSTOMERS_TABLE, "pk", "sk", indexes=(BY_STATUS, BY_EXPIRY_DAY)
)
# Pending sign-ups live a day: no backups, and the key store's short recovery period.
REGISTRATIONS = TableSpec(
    "Registrations",
    env.REGISTRATIONS_TABLE,
    "pk",
    ttl_attribute="expires_at_epoch",
    recovery_days=KEY_STORE_RECOVERY_DAYS,
    backed_up=False,
)
AUDIT = TableSpec(
    "Audit", env.AUDIT_TABLE, "pk", "sk", indexes=(BY_WRITTEN_DAY,), stream="NEW_AND_OLD_IMAGES"
)
ANALYTICS = TableSpec(
    "Analytics", env.ANALYTICS_TABLE, "pk", "sk", ttl_attribute="expires_at_epoch"
)
IDEMPOTENCY = TableSpec("Idempotency", env.IDEMPOTENCY_TABLE, "id", ttl_attribute="expiration")

DATA_KEYS = TableSpec(
    "DataKeys",
    env.DATA_KEYS_TABLE,
    "pk",
    recovery_days=KEY_STORE_RECOVERY_DAYS,
    backed_up=False,
)
ERASURES = TableSpec("Erasures", env.ERASURES_TABLE, "customer_id", indexes=(BY_MONTH,))
# What links an address to a customer (blind index to id): erased within the key store's bound.
GUARDS = TableSpec(
    "Guards",
    env.GUARDS_TABLE,
    "pk",
    "sk",
    recovery_days=KEY_STORE_RECOVERY_DAYS,
    backed_up=False,
)

JOBS = TableSpec("Jobs", env.JOBS_TABLE, "job")

OUTBOX = TableSpec(
    "Outbox", env.OUTBOX_TABLE, "notice_id", ttl_attribute="expires_at_epoch", stream="NEW_IMAGE"
)

ALL_TABLES = (
    CUSTOMERS,
    REGISTRATIONS,
    AUDIT,
    ANALYTICS,
    IDEMPOTENCY,
    DATA_KEYS,
    ERASURES,
    OUTBOX,
    GUARDS,
    JOBS,
)
