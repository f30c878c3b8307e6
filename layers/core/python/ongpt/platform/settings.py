"""The environment variables the stack gives functions: one declaration each, used by the stack to
set them and by each function to check, at cold start, those it needs.

A function's entry point calls ``require`` with the variables it needs besides ``EVERY_FUNCTION``:
one missing or malformed fails the function's initialisation, naming the variable, never its value,
instead of answering 503 per request. A variable a function was not given reads as empty: it names
a dependency that function never calls (``tests/integration/test_least_privilege.py``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T_co = TypeVar("T_co", covariant=True)


class MisconfiguredFunction(RuntimeError):
    """The function's environment lacks a variable it needs, or holds one it cannot read."""


def _as_is(raw: str) -> str:
    return raw


def _country_codes(raw: str) -> tuple[str, ...]:
    """JSON, e.g. ``["84"]``: country calling codes without ``+``."""
    if not raw:
        return ()
    codes = json.loads(raw)
    if not isinstance(codes, list) or not all(
        isinstance(code, str) and re.fullmatch(r"[1-9]\d{0,2}", code) for code in codes
    ):
        raise ValueError("not a JSON list of country calling codes")
    return tuple(codes)


def _positive(raw: str) -> int:
    """A whole number above zero."""
    value = int(raw)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _false(raw: str) -> bool:
    """``false``, and nothing else: a switch that must stay off."""
    if raw != "false":
        raise ValueError("must be false")
    return False


@dataclass(frozen=True)
class Variable(Generic[T_co]):
    """One environment variable: its name, what it holds, and how its text is read."""

    name: str
    meaning: str
    parse: Callable[[str], T_co]

    def value(self) -> T_co:
        return self.parse(os.environ.get(self.name, ""))


def text(name: str, meaning: str) -> Variable[str]:
    return Variable(name, meaning, _as_is)


SERVICE_NAME = text("POWERTOOLS_SERVICE_NAME", "the function's name (logs, idempotency keys)")
METRICS_NAMESPACE = text("POWERTOOLS_METRICS_NAMESPACE", "the namespace of its metrics")
SMS_COUNTRY_CODES = Variable(
    "SMS_COUNTRY_CODES", "country calling codes phones are accepted with", _country_codes
)
# Powertools' Tracer records what a traced method returns, and its error, in the trace, unless
# these are false (https://docs.aws.amazon.com/powertools/python/latest/core/tracer/): profiles,
# blind indexes and codes' records would reach X-Ray. Read when a method is decorated (import).
TRACER_CAPTURE_RESPONSE = Variable(
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE", "off: no traced method's answer in a trace", _false
)
TRACER_CAPTURE_ERROR = Variable(
    "POWERTOOLS_TRACER_CAPTURE_ERROR", "off: no traced method's error in a trace", _false
)
CUSTOMERS_TABLE = text("CUSTOMERS_TABLE", "the customers table's name")
REGISTRATIONS_TABLE = text("REGISTRATIONS_TABLE", "the registrations table's name")
AUDIT_TABLE = text("AUDIT_TABLE", "the audit table's name")
ANALYTICS_TABLE = text("ANALYTICS_TABLE", "the analytics table's name")
IDEMPOTENCY_TABLE = text("IDEMPOTENCY_TABLE", "the idempotency table's name")
DATA_KEYS_TABLE = text(
    "DATA_KEYS_TABLE", "the key store: customers' and complaints' wrapped data keys"
)
ERASURES_TABLE = text("ERASURES_TABLE", "the erasure ledger's table")
GUARDS_TABLE = text("GUARDS_TABLE", "the address guards' table (blind index to customer)")
OUTBOX_TABLE = text("OUTBOX_TABLE", "the outbox: notices to send, sealed")
SEND_LIMITS_TABLE = text("SEND_LIMITS_TABLE", "the table of send counters (registrations')")
AUDIT_KEY_ID = text("AUDIT_KEY_ID", "the HMAC key of the audit chains")
AUDIT_ANCHOR_BUCKET = text("AUDIT_ANCHOR_BUCKET", "the write-once bucket of audit anchors")
DATA_KEY_ID = text("DATA_KEY_ID", "the key of field encryption's data keys")
BLIND_INDEX_KEY_ID = text("BLIND_INDEX_KEY_ID", "the HMAC key of blind indexes")
PAGE_KEY_ID = text("PAGE_KEY_ID", "the HMAC key the list pages' cursor key derives from")
USER_POOL_ID = text("USER_POOL_ID", "the Cognito user pool")
SENDER_EMAIL = text("SENDER_EMAIL", "the address email is sent from")
SES_CONFIGURATION_SET = text("SES_CONFIGURATION_SET", "the SES configuration set of sends")
REGISTRATION_QUEUE_URL = text("REGISTRATION_QUEUE_URL", "the queue of registrations' codes")
RECOVERY_QUEUE_URL = text("RECOVERY_QUEUE_URL", "the queue of recoveries' codes")
ANNOUNCEMENT_QUEUE_URL = text("ANNOUNCEMENT_QUEUE_URL", "the queue of announcement shards")
SITE_ORIGIN = text("SITE_ORIGIN", "the privacy centre's origin, the one browsers may call from")
IDENTITY_POOL_ID = text("IDENTITY_POOL_ID", "the identity pool whose guests and customers may call")
JOB_DLQ_URL = text("JOB_DLQ_URL", "the dead-letter queue of scheduled jobs' failed items")
JOBS_TABLE = text("JOBS_TABLE", "the table of the scheduled jobs' runs (their checkpoints)")
JOB_PAGE_SIZE = Variable("JOB_PAGE_SIZE", "the items a scheduled job's page holds", _positive)
JOB_PAGES = Variable("JOB_PAGES", "the pages one invocation of a scheduled job takes", _positive)

# What a need of the catalogue (infra/catalogue.py) gives a function.
EMAIL = (SENDER_EMAIL, SES_CONFIGURATION_SET)
AUDIT_APPEND = (AUDIT_TABLE, AUDIT_KEY_ID)
CUSTOMER_KEYS = (DATA_KEY_ID, DATA_KEYS_TABLE)  # catalogue.CUSTOMER_DATA: the key store
MESSAGING = (CUSTOMERS_TABLE, *CUSTOMER_KEYS, *EMAIL)  # catalogue.MESSAGING
NOTICES = (CUSTOMERS_TABLE, *CUSTOMER_KEYS, OUTBOX_TABLE)  # catalogue.NOTICES: into the outbox
JOB_RUNS = (JOBS_TABLE, JOB_PAGE_SIZE, JOB_PAGES)  # catalogue.SCHEDULED: pages and checkpoints

# What the stack gives every function, and every API function besides (infra/cors.py,
# infra/gateway.py).
EVERY_FUNCTION: tuple[Variable[object], ...] = (
    SERVICE_NAME,
    METRICS_NAMESPACE,
    SMS_COUNTRY_CODES,
    TRACER_CAPTURE_RESPONSE,
    TRACER_CAPTURE_ERROR,
)
EVERY_API_FUNCTION: tuple[Variable[object], ...] = (SITE_ORIGIN, IDENTITY_POOL_ID)


def require(variables: Sequence[Variable[object]]) -> None:
    """At cold start: fail, naming each one, if a variable the function needs is unset, empty or
    malformed (its value is never shown: it may be a secret one day)."""
    problems = []
    for variable in (*EVERY_FUNCTION, *variables):
        raw = os.environ.get(variable.name, "")
        if not raw:
            problems.append(f"{variable.name} ({variable.meaning}) is not set")
            continue
        try:
            variable.parse(raw)
        except ValueError:
            problems.append(f"{variable.name} ({variable.meaning}) is malformed")
    if problems:
        raise MisconfiguredFunction("; ".join(problems))


# Every variable the stack may give a function: those declared above.
ALL_VARIABLES: tuple[Variable[object], ...] = tuple(
    value for value in dict(globals()).values() if isinstance(value, Variable)
)
