"""Items, users and messages with what differs between two runs of the same path masked, so the
state one run leaves can be compared with another's (the fault table, issue 14 item 2).

A value is masked by what it is, never by a pattern that could eat part of something else: a
key such as ``NOTICE#<time>#<digest>`` is split at ``#`` and each part is masked only if it is
wholly an id, a time, an address, a digest, a MAC or an epoch; a sealed value (``v1:...``) or a
binary one (a wrapped key) is ciphertext whatever it holds; a JSON document (an audit entry's
details, an idempotency record's response) is masked value by value. Counts, sequences,
statuses, kinds and channels stay as they are: they are what a doubled or lost write changes;
only a rate limit's counter, which counts attempts (a retry is one more), and a job run's
version, which counts its checkpoint's writes (a retry writes it again), are not compared.
"""

from __future__ import annotations

import json
import re
from typing import Any

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?"
# A day as a notice says it (ongpt.notify.delivery.said_on): 18/04/2031, 18 April 2031.
SAID_DAY = r"\b\d{1,2}/\d{2}/\d{4}\b|\b\d{1,2} [A-Z][a-z]+ \d{4}\b"
# A complaint's reference, drawn at random (ongpt.complaints.service.new_reference).
REFERENCE = r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}"
# Each pattern must match a whole part (``fullmatch``); the first that does names it.
PARTS = (
    (re.compile(UUID, re.I), "<id>"),
    (re.compile(TIME), "<time>"),
    (re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]+"), "<email>"),
    (re.compile(r"\+\d{8,15}"), "<phone>"),
    (re.compile(r"[0-9a-f]{32}|[0-9a-f]{64}"), "<digest>"),  # MD5 / SHA-256 in hex
    (re.compile(r"[A-Za-z0-9_-]{43}|[A-Za-z0-9+/]{43}="), "<mac>"),  # HMAC-SHA256, base64
    (re.compile(r"[1-9]\d{9}|[1-9]\d{12}"), "<epoch>"),  # seconds or milliseconds
    (re.compile(REFERENCE), "<reference>"),
)
# Inside free text (a message): ids, times, addresses and one-time codes, wherever they are.
IN_TEXT = (
    (re.compile(UUID, re.I), "<id>"),
    (re.compile(TIME), "<time>"),
    (re.compile(SAID_DAY), "<day>"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"\+\d{8,15}"), "<phone>"),
    (re.compile(r"(?<!\d)\d{6}(?!\d)"), "<code>"),
    (re.compile(rf"(?<![\w-]){REFERENCE}(?![\w-])"), "<reference>"),
)
SEALED = "v1:"  # ongpt.security.crypto's envelope
# A rate limit's counter counts attempts, not effects: a retry after a fault is one more.
LIMIT = "LIMIT#"
# A job run (ongpt.jobs.store: keyed ``job``) counts its writes: a retried page writes it again.
JOB_RUN = "job"
# A number right after one of these parts is a shard drawn from a random id: a day's shard of the
# audit's, the contracts' expiry and the analytics' indexes, a shard of the active customers.
SHARDED = {"<time>", "ACTIVE"}


def part(text: str) -> str:
    """One ``#``-separated part of a string: its kind if it is wholly a volatile value."""
    for pattern, kind in PARTS:
        if pattern.fullmatch(text):
            return kind
    return text


def string(text: str) -> Any:
    """A string value: ciphertext, a JSON document or a ``#``-joined key, masked."""
    if text.startswith(SEALED):
        return "<sealed>"
    if text.startswith(("{", "[")):
        try:
            return document(json.loads(text))
        except ValueError:
            pass
    parts = [part(p) for p in text.split("#")]
    return "#".join(
        "<shard>" if p.isdigit() and i and parts[i - 1] in SHARDED else p
        for i, p in enumerate(parts)
    )


def document(value: Any) -> Any:
    """A JSON value, its strings masked and its numbers masked only if they are epochs."""
    if isinstance(value, dict):
        return {k: document(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [document(v) for v in value]
    if isinstance(value, str):
        return string(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return part(str(value))
    return value


def attribute(value: dict[str, Any]) -> Any:
    """A DynamoDB attribute value (``{"S": ...}``), masked."""
    ((kind, inner),) = value.items()
    match kind:
        case "S":
            return string(inner)
        case "N":
            return part(inner)
        case "B" | "BS":
            return "<bytes>"
        case "SS" | "NS":
            return sorted(json.dumps(attribute({kind[0]: v})) for v in inner)
        case "L":
            return [attribute(v) for v in inner]
        case "M":
            return item(inner)
    return inner  # BOOL, NULL


def item(attributes: dict[str, Any]) -> dict[str, Any]:
    masked = {name: attribute(value) for name, value in sorted(attributes.items())}
    if str(masked.get("pk", "")).startswith(LIMIT) and "count" in masked:
        masked["count"] = "<attempts>"
    if JOB_RUN in masked and "version" in masked:
        masked["version"] = "<writes>"
    return masked


def text(message: str) -> str:
    """Free text (a message's subject or body) with ids, times, addresses and codes masked."""
    for pattern, kind in IN_TEXT:
        message = pattern.sub(kind, message)
    return message
