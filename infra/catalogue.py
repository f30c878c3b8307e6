"""The functions of the service: the API routes each serves (API.md) and what each may touch.

Paths use API Gateway's ``{param}`` syntax; each handler declares the same routes with
Powertools' ``<param>`` syntax (a test keeps the two in step). ``needs`` is the whole of a
function's access, exactly what its code calls (``tests/integration/test_least_privilege.py``
proves it): the stack turns each need into IAM grants and an environment variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from ongpt.storage import tables
from ongpt.storage.tables import (
    BY_EXPIRY_DAY,
    BY_MONTH,
    BY_STATUS,
    BY_WRITTEN_DAY,
    Index,
    TableSpec,
)


class Need(Enum):
    """One dependency a function may have."""

    IDEMPOTENCY = auto()  # every function with a POST route (Idempotency-Key), its own records
    AUDIT_APPEND = auto()  # put after reading the chain's head, never update or delete
    SEND_LIMITS = auto()  # counters of codes sent (per address, per caller) and of complaints
    # filed (per caller), in Registrations
    AUDIT_VERIFY = auto()  # check MACs, read the anchors
    AUDIT_ANCHOR = auto()  # check MACs, write new anchors (the anchor job)
    BLIND_INDEX = auto()
    PAGES = auto()  # list routes: their cursors, sealed with a key derived from the page key
    COGNITO_SIGN_UP = auto()
    COGNITO_PROFILE = auto()
    COGNITO_DELETE = auto()  # the erasure deletes the customer's sign-in
    COGNITO_ACCOUNT = auto()  # sign-out everywhere, disable/enable, password, MFA reset
    EMAIL = auto()
    SMS = auto()
    ANNOUNCEMENT_QUEUE = auto()
    REGISTRATION_QUEUE = auto()  # a new registration's codes are sent by a worker
    RECOVERY_QUEUE = auto()  # so are a recovery's
    JOB_DEAD_LETTERS = auto()  # a job's failed items, by id, for a person to look at
    JOB_RUNS = auto()  # a scheduled job in pages: its checkpoints, its own only (``ongpt.jobs``)


@dataclass(frozen=True)
class Items:
    """The DynamoDB actions a function calls on one table's items, and the indexes it queries."""

    table: TableSpec
    actions: tuple[str, ...]  # "GetItem", "Query"... (DynamoDB authorises a transaction's items
    queries: tuple[Index, ...] = ()  # as their own actions, a batch as its batch action)


@dataclass(frozen=True)
class DataKeys:
    """Per-owner data keys of field encryption, by the encryption context's key (the owner type):
    the owners whose new data keys a function makes, and those whose keys it opens."""

    makes: tuple[str, ...] = ()
    opens: tuple[str, ...] = ()


def items(table: TableSpec, *actions: str, queries: tuple[Index, ...] = ()) -> Items:
    return Items(table, actions, queries)


N = Need
# Opening a customer's sealed values: their data key from the key store, unwrapped by KMS.
CUSTOMER_DATA = (DataKeys(opens=("customer_id",)), Items(tables.DATA_KEYS, ("GetItem",)))
# What a function that sends customers messages needs: their contacts, decrypted, a history line
# per message (taken back if the send fails), and the channels.
MESSAGING = (
    items(tables.CUSTOMERS, "GetItem", "PutItem", "DeleteItem"),
    *CUSTOMER_DATA,
    N.EMAIL,
    N.SMS,
)

# What a function that tells customers of its changes needs: notices sealed under the customer's
# data key, put into the outbox in the change's transaction (the delivery worker sends them).
NOTICES = (items(tables.OUTBOX, "PutItem"), items(tables.CUSTOMERS, "GetItem"), *CUSTOMER_DATA)

# Actions on a resource that take no body; every other POST, PUT and PATCH takes a JSON object.
BODYLESS_ACTIONS = ("/resend", "/withdraw", "/sign-out")


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    @property
    def has_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and not self.path.endswith(BODYLESS_ACTIONS)


@dataclass(frozen=True)
class Paging:
    """A scheduled job's bound per invocation (``ongpt.jobs``): pages of at most ``page_size``
    items, at most ``pages`` of them, sized so that a page takes seconds and the pages fit well
    within the timeout (the remaining time is checked before each page besides)."""

    page_size: int
    pages: int


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: its folder under ``functions/`` and what it serves."""

    name: str
    description: str
    routes: tuple[Route, ...] = ()
    needs: tuple[Need | Items | DataKeys, ...] = ()
    timeout_seconds: int = 10
    memory_mb: int = 512
    paging: Paging | None = None  # a scheduled job's (``Need.JOB_RUNS``)


def _routes(*pairs: str) -> tuple[Route, ...]:
    return tuple(Route(*pair.split(" ", 1)) for pair in pairs)


REGISTRATION = FunctionSpec(
    "registration",
    "Policy, registration and verification (P1.1, P1.2)",
    _routes(
        "GET /v1/policy",
        "POST /v1/registrations",
        "POST /v1/registrations/{registration_id}/verification",
        "POST /v1/registrations/{registration_id}/resend",
    ),
    needs=(
        items(tables.CUSTOMERS, "PutItem", "UpdateItem"),  # the profile; the counts of active ones
        items(tables.GUARDS, "GetItem", "PutItem"),  # the address guards, with the profile
        items(tables.REGISTRATIONS, "GetItem", "PutItem", "UpdateItem"),
        items(tables.DATA_KEYS, "PutItem"),  # the customer's key, in the profile's transaction
        DataKeys(makes=("customer_id", "registration_id"), opens=("registration_id",)),
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,  # the customer's first entry, in the profile's transaction
        N.COGNITO_SIGN_UP,
        N.REGISTRATION_QUEUE,
        N.SEND_LIMITS,
    ),
)
ME = FunctionSpec(
    "me",
    "The customer's own data, consents and export (P3.1, GDPR 15/20)",
    _routes(
        "GET /v1/me",
        "GET /v1/me/export",
        "GET /v1/me/consents",
        "PUT /v1/me/consents/{purpose}",
        "GET /v1/me/contracts",
        "GET /v1/me/notifications",
        "GET /v1/me/disclosures",
        "GET /v1/me/complaints",
        "GET /v1/me/access-log",
    ),
    needs=(
        # a product_updates consent changed: the count of active customers who consent, on
        # condition that the account is active (a ConditionCheck is authorised as
        # ConditionCheckItem: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html)
        # the customer's complaints are read a hundred to a BatchGetItem (their list, the export)
        items(
            tables.CUSTOMERS,
            *("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query", "ConditionCheckItem"),
        ),
        *CUSTOMER_DATA,
        # complaints' texts and resolutions, each under its own key: their keys read together
        DataKeys(opens=("complaint_id",)),
        items(tables.DATA_KEYS, "BatchGetItem"),
        N.AUDIT_APPEND,  # a consent change's entry; the access log is read from the chain
        N.PAGES,
    ),
)
EDIT_REQUESTS = FunctionSpec(
    "edit_requests",
    "Contact detail change requests and their review (P6.1)",
    _routes(
        "POST /v1/me/edit-requests",
        "GET /v1/me/edit-requests",
        "GET /v1/me/edit-requests/{edit_request_id}",
        "POST /v1/me/edit-requests/{edit_request_id}/verification",
        "POST /v1/me/edit-requests/{edit_request_id}/withdraw",
        "GET /v1/staff/edit-requests",
        "POST /v1/staff/edit-requests/{edit_request_id}/decision",
    ),
    needs=(
        *MESSAGING,  # the codes, sent before the answer
        items(tables.OUTBOX, "PutItem"),  # the notices of an applied change
        # the count of open requests; a filing holds only while the account is active
        items(tables.CUSTOMERS, "UpdateItem", "Query", "ConditionCheckItem", queries=(BY_STATUS,)),
        items(tables.GUARDS, "GetItem", "PutItem", "UpdateItem", "DeleteItem"),  # moved at approval
        # the staff queue's page: its customers' profiles and data keys, a batch each
        items(tables.CUSTOMERS, "BatchGetItem"),
        items(tables.DATA_KEYS, "BatchGetItem"),
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
        N.BLIND_INDEX,
        N.COGNITO_PROFILE,
        N.SEND_LIMITS,
        N.PAGES,
    ),
)
STAFF_CUSTOMERS = FunctionSpec(
    "staff_customers",
    "Purpose-bound, audited staff reads of customers (P5)",
    _routes("POST /v1/staff/customers/search", "GET /v1/staff/customers/{customer_id}"),
    needs=(
        items(tables.CUSTOMERS, "GetItem"),
        items(tables.GUARDS, "GetItem"),  # search by blind index
        *CUSTOMER_DATA,
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
        N.BLIND_INDEX,
    ),
)
CONTRACTS = FunctionSpec(
    "contracts",
    "Contracts and their confirmations (P3.2)",
    _routes("POST /v1/staff/contracts", "POST /v1/staff/contracts/{contract_id}/renewal"),
    needs=(
        *NOTICES,
        items(tables.CUSTOMERS, "PutItem", "UpdateItem"),
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
    ),
)
ANNOUNCEMENTS = FunctionSpec(
    "announcements",
    "Announcements of updates and changes (P3.3)",
    _routes("POST /v1/staff/announcements", "GET /v1/staff/announcements/{announcement_id}"),
    needs=(
        # the announcement (in the post's transaction) and its progress; the counts, in a batch
        items(tables.CUSTOMERS, "GetItem", "PutItem", "BatchGetItem"),
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
        N.ANNOUNCEMENT_QUEUE,
    ),
)
COMPLAINTS = FunctionSpec(
    "complaints",
    "Complaints and their resolution (P6.2, P3.6)",
    _routes(
        "POST /v1/complaints",
        "GET /v1/staff/complaints",
        "PATCH /v1/staff/complaints/{complaint_id}",
    ),
    needs=(
        *NOTICES,
        items(tables.CUSTOMERS, "PutItem", "UpdateItem", queries=(BY_STATUS,)),
        items(tables.DATA_KEYS, "PutItem"),  # the complaint's own key, in its transaction
        items(tables.DATA_KEYS, "BatchGetItem"),  # the staff queue's page's keys, in one batch
        DataKeys(makes=("complaint_id",), opens=("complaint_id",)),  # a guest has no customer key
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
        N.SEND_LIMITS,  # at most 5 complaints per caller a day
        N.PAGES,
    ),
)
DISCLOSURES = FunctionSpec(
    "disclosures",
    "Disclosures to third parties and authorities (P3.7)",
    _routes("POST /v1/staff/disclosures"),
    # ConditionCheckItem: a disclosure on the basis of consent is written only while the consent
    # holds (a transaction's ConditionCheck is authorised as that action:
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html)
    needs=(
        items(tables.CUSTOMERS, "GetItem", "PutItem", "ConditionCheckItem"),
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
    ),
)
ACCOUNT_LIFECYCLE = FunctionSpec(
    "account_lifecycle",
    "Sign-out, recovery, closure and reactivation, legal holds (API.md, Account lifecycle)",
    _routes(
        "POST /v1/me/sign-out",
        "POST /v1/me/closure",
        "POST /v1/recoveries",
        "POST /v1/recoveries/{recovery_id}/resend",
        "POST /v1/recoveries/{recovery_id}/verification",
        "POST /v1/staff/accounts/{customer_id}/reactivation",
        "POST /v1/staff/legal-holds",
        "GET /v1/staff/legal-holds",
        "POST /v1/staff/legal-holds/{hold_id}/release",
    ),
    needs=(
        *NOTICES,
        # ConditionCheckItem: a recovery is decided only while its account is ACTIVE (a
        # transaction's ConditionCheck is authorised as that action:
        # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html)
        items(tables.CUSTOMERS, "PutItem", "UpdateItem", "Query", "ConditionCheckItem"),
        items(tables.REGISTRATIONS, "GetItem", "PutItem", "UpdateItem"),
        DataKeys(makes=("recovery_id",), opens=("recovery_id",)),  # each recovery's own key
        N.IDEMPOTENCY,
        N.AUDIT_APPEND,
        N.BLIND_INDEX,
        N.COGNITO_ACCOUNT,
        N.RECOVERY_QUEUE,
        N.SEND_LIMITS,
        N.PAGES,
    ),
)
ANALYTICS = FunctionSpec(
    "analytics",
    "Web analytics kept apart from personal data (P1.3)",
    _routes("POST /v1/analytics/events"),
    needs=(items(tables.ANALYTICS, "BatchWriteItem"), N.IDEMPOTENCY),
)
AUDIT = FunctionSpec(
    "audit",
    "The hash-chained audit log and its verification (P2.5, P5)",
    _routes("GET /v1/staff/audit"),
    needs=(N.AUDIT_APPEND, N.AUDIT_VERIFY, N.PAGES),
)
ANNOUNCEMENT_WORKER = FunctionSpec(
    "announcement_worker",
    "Fan-out of announcements from SQS (P3.3)",
    needs=(
        items(tables.OUTBOX, "PutItem"),  # a page's notices, naming customers only: no key
        # the announcement and its progress (in the page's transaction), the page of active
        # customers, their consents in a batch
        items(tables.CUSTOMERS, "GetItem", "UpdateItem", "BatchGetItem", queries=(BY_STATUS,)),
        N.ANNOUNCEMENT_QUEUE,  # the next page
    ),
    timeout_seconds=60,
)
REGISTRATION_CODES = FunctionSpec(
    "registration_codes",
    "Codes (or, to an address with an account, a notice) for a new registration, from SQS (P1.2)",
    needs=(
        items(tables.GUARDS, "BatchGetItem"),  # whether an address already has an account
        items(tables.REGISTRATIONS, "GetItem", "UpdateItem"),
        DataKeys(opens=("registration_id",)),
        N.EMAIL,
        N.SMS,
        N.BLIND_INDEX,
        N.SEND_LIMITS,
    ),
    timeout_seconds=30,
)
RECOVERY_CODES = FunctionSpec(
    "recovery_codes",
    "Codes for an account recovery whose addresses are one active account's, from SQS",
    needs=(
        items(tables.CUSTOMERS, "GetItem"),  # the profile
        items(tables.GUARDS, "GetItem"),  # the addresses' owner
        items(tables.REGISTRATIONS, "GetItem", "UpdateItem"),
        *CUSTOMER_DATA,  # the addresses
        DataKeys(opens=("recovery_id",)),  # the recovery's key, which the codes' hashes use
        N.EMAIL,
        N.SMS,
        N.SEND_LIMITS,
    ),
    timeout_seconds=30,
)
EXPIRY_REMINDERS = FunctionSpec(
    "expiry_reminders",
    "Daily renewal invitations 30, 7 and 1 days before expiry (P3.4)",
    needs=(
        *NOTICES,
        # the due page's contracts as last written, in one batch (the index may lag a renewal)
        items(tables.CUSTOMERS, "BatchGetItem", queries=(BY_EXPIRY_DAY,)),
        N.JOB_DEAD_LETTERS,
        N.JOB_RUNS,
    ),
    timeout_seconds=300,
    # a contract: its customer's status and contact read, an invitation per channel
    paging=Paging(page_size=50, pages=40),
)
NOTICE_DELIVERY = FunctionSpec(
    "notice_delivery",
    "Delivery of the outbox's notices, once each, from the Outbox table's stream",
    needs=(
        items(tables.OUTBOX, "GetItem", "UpdateItem"),  # claim, release, mark
        # the history line, with the mark; an announcement's notice resolved as it is sent:
        # the announcement, the profile (still active?), the consent (a product update)
        items(tables.CUSTOMERS, "GetItem", "PutItem"),
        *CUSTOMER_DATA,
        DataKeys(opens=("complaint_id",)),  # a guest's complaint outcome, sealed under its key
        N.EMAIL,
        N.SMS,
    ),
    timeout_seconds=30,
)
AUDIT_CHANGES = FunctionSpec(
    "audit_changes",
    "Alarms on any change to or removal of an audit entry, from the Audit table's stream (P2.5)",
)
AUDIT_ANCHORS = FunctionSpec(
    "audit_anchors",
    "Hourly anchors of changed audit chain heads in write-once storage (P2.5, P5)",
    needs=(items(tables.AUDIT, "Query", queries=(BY_WRITTEN_DAY,)), N.AUDIT_ANCHOR, N.JOB_RUNS),
    timeout_seconds=300,
    # an entry of the index: its chain's newest anchors read, its new entries checked, an anchor
    paging=Paging(page_size=50, pages=40),
)
ERASURE = FunctionSpec(
    "erasure",
    "Daily erasure of accounts closed past their grace period, by crypto-shredding (GDPR 17)",
    needs=(
        items(
            tables.CUSTOMERS, "GetItem", "Query", "UpdateItem", "DeleteItem", queries=(BY_STATUS,)
        ),
        items(tables.DATA_KEYS, "DeleteItem"),
        items(tables.GUARDS, "GetItem", "DeleteItem"),  # the addresses may register again
        items(tables.ERASURES, "UpdateItem", queries=(BY_MONTH,)),  # the ledger
        N.AUDIT_APPEND,
        N.COGNITO_DELETE,
        N.JOB_RUNS,
    ),
    timeout_seconds=900,
    # at most so many accounts decided, and so many of their records deleted or shredded
    paging=Paging(page_size=25, pages=40),
)
AUDIT_VERIFICATION = FunctionSpec(
    "audit_verification",
    "Daily verification of every audit chain written to since the last run (P2.5, P5)",
    needs=(items(tables.AUDIT, "Query", queries=(BY_WRITTEN_DAY,)), N.AUDIT_VERIFY, N.JOB_RUNS),
    timeout_seconds=900,
    # an entry of the index: its whole chain verified (a MAC each) against its anchor
    paging=Paging(page_size=20, pages=40),
)
SCHEDULED_JOBS = (EXPIRY_REMINDERS, AUDIT_ANCHORS, ERASURE, AUDIT_VERIFICATION)

API_FUNCTIONS = (
    REGISTRATION,
    ME,
    EDIT_REQUESTS,
    STAFF_CUSTOMERS,
    CONTRACTS,
    ANNOUNCEMENTS,
    COMPLAINTS,
    DISCLOSURES,
    ANALYTICS,
    AUDIT,
    ACCOUNT_LIFECYCLE,
)
WORKERS = (REGISTRATION_CODES, RECOVERY_CODES, ANNOUNCEMENT_WORKER, NOTICE_DELIVERY, AUDIT_CHANGES)
ALL_FUNCTIONS = (*API_FUNCTIONS, *WORKERS, *SCHEDULED_JOBS)
