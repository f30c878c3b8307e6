"""Web analytics (P1.3): kept apart from, and unrelated to, other personal information.

Stored in their own table under their own key: page path (its query string and fragment, which
may carry tokens or addresses, dropped), referrer host, search text, visit time,
browser family and major version, and the IP truncated before storage (IPv4 /24, IPv6 /48).
Nothing that links to an account, an identity, a key or a session is stored, whoever sends them.
Items expire after 14 months.
"""

from __future__ import annotations

import ipaddress
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ongpt.analytics.models import AnalyticsEvent
from ongpt.platform.clock import timestamp, utcnow
from ongpt.storage.dynamo import to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestOutputTypeDef, WriteRequestTypeDef

RETENTION = timedelta(days=426)  # 14 months
SHARDS = 8
WRITE_TRIES = 5
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


@dataclass
class Analytics:
    dynamodb: DynamoDBClient
    table: str
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def accept(
        self, events: list[AnalyticsEvent], source_ip: str | None, user_agent: str | None
    ) -> int:
        family, major = browser(user_agent)
        network = truncated_ip(source_ip)
        expires = int((self.clock() + RETENTION).timestamp())
        items: list[WriteRequestTypeDef] = []
        for event in events:
            visited = timestamp(event.visited_at)
            shard = random.randrange(SHARDS)  # noqa: S311 - spreads writes, not a secret
            items.append(
                {
                    "PutRequest": {
                        "Item": to_item(
                            {
                                "pk": f"DAY#{visited[:10]}#{shard}",
                                "sk": f"{visited}#{uuid.uuid4()}",
                                "page": page_path(event.page),
                                "referrer_host": referrer_host(event.referrer),
                                "search_query": event.search_query,
                                "visited_at": visited,
                                "browser_family": family,
                                "browser_major": major,
                                "ip_network": network,
                                "expires_at_epoch": expires,
                            }
                        )
                    }
                }
            )
        pending: Mapping[str, Sequence[WriteRequestTypeDef | WriteRequestOutputTypeDef]] = {
            self.table: items
        }
        while pending:  # unprocessed items are retried until stored
            pending = (
                self.dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            )
        return len(items)
