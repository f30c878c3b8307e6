"""What the service sent through SES and SNS, read from moto's backends in this process.

Moto records no send time; a message's ``sent_at`` is when the runtime first saw it, which it
checks after every invocation, so the time is that of the request or batch that sent it.
"""

from __future__ import annotations

import email
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from itertools import islice
from typing import Any

from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from local.template import ACCOUNT_ID


@dataclass(frozen=True)
class Sent:
    channel: str
    to: tuple[str, ...]
    subject: str | None
    body: str
    sent_at: datetime

    def as_json(self, recipient: str) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "to": recipient,
            "subject": self.subject,
            "body": self.body,
            "sent_at": self.sent_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }


def _email(message: Any) -> tuple[tuple[str, ...], str | None, str]:
    if hasattr(message, "raw_data"):
        parsed = email.message_from_string(message.raw_data, policy=policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        return tuple(message.destinations), parsed["Subject"], body
    destinations = message.destinations
    to = [
        *destinations.get("ToAddresses", []),
        *destinations.get("CcAddresses", []),
        *destinations.get("BccAddresses", []),
    ]
    return tuple(to), message.subject, message.body


class Outbox:
    def __init__(self, region: str) -> None:
        self.region = region
        self._seen: dict[str, Sent] = {}
        self._lock = threading.Lock()

    def observe(self) -> None:
        """Stamp every message not seen before with the current time."""
        now = datetime.now(UTC)
        ses = ses_backends[ACCOUNT_ID][self.region]
        sns = sns_backends[ACCOUNT_ID][self.region]
        with self._lock:
            for message in ses.sent_messages:
                if message.id not in self._seen:
                    to, subject, body = _email(message)
                    self._seen[message.id] = Sent("email", to, subject, body, now)
            for message_id, (phone, text) in sns.sms_messages.items():
                if message_id not in self._seen:
                    self._seen[message_id] = Sent("sms", (phone,), None, text, now)

    def seen(self) -> int:
        """How many messages were sent so far: a marker for ``since``."""
        self.observe()
        with self._lock:
            return len(self._seen)

    def since(self, marker: int) -> list[Sent]:
        """The messages sent after the first ``marker`` (``seen()``), in the order first seen."""
        self.observe()
        with self._lock:
            return list(islice(self._seen.values(), marker, None))

    def messages_to(self, recipient: str) -> list[dict[str, Any]]:
        """Everything sent to an email address (any letter case) or an E.164 phone, oldest first."""
        self.observe()
        wanted = recipient.strip().lower()
        with self._lock:
            return [
                sent.as_json(to)
                for sent in self._seen.values()
                for to in sent.to
                if to.lower() == wanted
            ]
