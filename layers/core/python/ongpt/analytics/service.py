"""Web analytics (P1.3): kept apart from, and unrelated to, other personal information.

Stored in their own table under their own key: page path (its query string and fragment, which
may carry tokens or addresses, dropped), referrer host, search text, visit time,
browser family and major version, and the IP truncated before storage (IPv4 /24, IPv6 /48).
Nothing that links to an account, an identity, a key or a session is stored, whoever sends them.
Items expire after 14 months.

A retry stores nothing twice: each event's id is derived from the caller's ``Idempotency-Key``,
the event's place in the batch and the event itself (``event_id``), so a retry whose first
attempt was stored, but whose answer was lost, writes the same items again. The caller takes no
part in it (not even through the request's ``retry_id``, which is scoped to the caller): an id
is a one-way digest (SHA-256) of what the event already says and a key chosen by the client,
stored nowhere, so even a guessable key (``1``) links no event to an identity, and a reader of
the table cannot tell whose an event is, nor which events came together. Two callers sending
the same event at the same place with the same key store it once: at worst an analytics count
one short, never a link. A request without a key gets random ids, as before.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ongpt.analytics.models import AnalyticsEvent
from ongpt.analytics.store import AnalyticsStore
from ongpt.platform.clock import timestamp, utcnow

RETENTION = timedelta(days=426)  # 14 months
BROWSERS = (  # order matters: Edge and Opera also say Chrome, Chrome also says Safari
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* .*Safari/")),
)


def browser(user_agent: str | None) -> tuple[str, int | None]:
    for family, pattern in BROWSERS:
        found = pattern.search(user_agent or "")
        if found:
            return family, int(found.group(1))
    return "Other", None


def truncated_ip(address: str | None) -> str | None:
    """The network, not the host: IPv4 /24, IPv6 /48."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def page_path(page: str) -> str:
    """The page's path alone: ``/reset?email=an@example.com#x`` -> ``/reset``."""
    return urlsplit(page).path or "/"


def referrer_host(referrer: str | None) -> str | None:
    host = urlsplit(referrer or "").hostname
    return host.lower() if host else None


def event_id(key: str | None, position: int, event: AnalyticsEvent) -> str:
    """The id of ``event``, at ``position`` in a batch sent with the ``Idempotency-Key`` ``key``:
    the same for every retry of the request, and telling nothing of it; random without a key."""
    if key is None:
        return uuid.uuid4().hex
    said = event.model_dump_json()
    return hashlib.sha256(f"analytics-event|{key}|{position}|{said}".encode()).hexdigest()


@dataclass
class Analytics:
    analytics_store: AnalyticsStore
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def accept(
        self,
        key: str | None,
        events: list[AnalyticsEvent],
        source_ip: str | None,
        user_agent: str | None,
    ) -> int:
        family, major = browser(user_agent)
        network = truncated_ip(source_ip)
        expires = int((self.clock() + RETENTION).timestamp())
        self.analytics_store.add_all(
            [
                {
                    "event_id": event_id(key, position, event),
                    "page": page_path(event.page),
                    "referrer_host": referrer_host(event.referrer),
                    "search_query": event.search_query,
                    "visited_at": timestamp(event.visited_at),
                    "browser_family": family,
                    "browser_major": major,
                    "ip_network": network,
                    "expires_at_epoch": expires,
                }
                for position, event in enumerate(events)
            ]
        )
        return len(events)
