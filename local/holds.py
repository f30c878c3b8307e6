"""Holds: a test pauses the AWS calls it names at the runtime's moto until it releases them, so
that a request can be stopped between its read and its write while other requests run (a race
that is hard to hit by chance, met on purpose).

``POST /_local/holds`` ``{"operation": "TransactWriteItems", "contains": "<text>", "times": 1}``
holds the next ``times`` calls of that operation whose request body contains the text;
``GET /_local/holds/<id>`` says how many arrived; ``DELETE /_local/holds/<id>`` lets them go.
A held call goes on by itself after ``MAX_HOLD_SECONDS``, inside the functions' SDK read timeout
(``ongpt.platform.aws``: 5 s): a call held longer would time out at the function, whose SDK then
sends it again (unheld) while the held one is still to run, so the request would write twice.
"""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from ongpt.platform.aws import READ_TIMEOUT_SECONDS

MAX_HOLD_SECONDS = READ_TIMEOUT_SECONDS - 1.0
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Hold:
    operation: str
    contains: str
    times: int
    arrived: int = 0
    released: threading.Event = field(default_factory=threading.Event)

    def takes(self, operation: str, body: str) -> bool:
        return (
            self.arrived < self.times
            and operation == self.operation
            and self.contains in body
            and not self.released.is_set()
        )


class Holds:
    """The holds of one runtime: added and released by tests, met by moto's requests."""

    def __init__(self) -> None:
        self._holds: dict[str, Hold] = {}
        self._lock = threading.Lock()

    def add(self, operation: str, contains: str = "", times: int = 1) -> str:
        hold_id = uuid.uuid4().hex
        with self._lock:
            self._holds[hold_id] = Hold(operation, contains, times)
        return hold_id

    def arrived(self, hold_id: str) -> int | None:
        hold = self._holds.get(hold_id)
        return None if hold is None else hold.arrived

    def release(self, hold_id: str) -> bool:
        with self._lock:
            hold = self._holds.pop(hold_id, None)
        if hold is not None:
            hold.released.set()
        return hold is not None

    def meet(self, operation: str, body: str) -> None:
        """Wait here if a hold takes this call, until it is released (or for at most
        ``MAX_HOLD_SECONDS``)."""
        with self._lock:
            hold = next((h for h in self._holds.values() if h.takes(operation, body)), None)
            if hold is not None:
                hold.arrived += 1
        if hold is not None:
            hold.released.wait(MAX_HOLD_SECONDS)

    def around(self, app: WsgiApp) -> WsgiApp:
        """``app`` (moto's WSGI application), each request meeting the holds before it runs."""

        def held(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            text = body.decode("utf-8", errors="replace")
            self.meet(_operation(environ, text), text)
            return app(environ, start_response)

        return held


def _operation(environ: dict[str, Any], body: str) -> str:
    """The AWS operation a request calls: from ``X-Amz-Target`` (JSON protocols: DynamoDB, KMS,
    Cognito, SQS), the ``Action`` parameter (query protocols: SNS, STS), else method and path
    (REST protocols: SES v2, S3)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    action = parse_qs(body).get("Action") or parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return action[0]
    return f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
