"""Holds: a test pauses the AWS calls it names at the runtime's moto until it releases them, so
that a request can be stopped between its read and its write while other requests run (a race
that is hard to hit by chance, met on purpose).

``POST /_local/holds`` ``{"operation": "TransactWriteItems", "contains": "<text>", "times": 1}``
holds the next ``times`` calls of that operation whose request body contains the text;
``GET /_local/holds/<id>`` says how many arrived; ``DELETE /_local/holds/<id>`` lets them go.
A held call goes on by itself after ``MAX_HOLD_SECONDS``. While any call is held the runtime's
clock (``Holds.clock``) stands still: the pause a hold puts between two steps costs no time on
AWS, so it does not count against a function's timeout (``local/deadlines.py``).

The functions' SDK gives up reading an answer after 5 seconds and sends the call again
(``ongpt.platform.aws``): a call held longer would be sent a second time, not held, while the
first still waits. So while a call is held, its caller gets an interim ``100 Continue`` every
``KEEP_READING_SECONDS``: an HTTP client reads past interim answers to the final one (RFC 9110,
section 15.2, https://www.rfc-editor.org/rfc/rfc9110#section-15.2; Python's ``http.client``, under
botocore, skips them), each read starting its timeout again.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

MAX_HOLD_SECONDS = 30.0
KEEP_READING_SECONDS = 1.0
INTERIM = b"HTTP/1.1 100 Continue\r\n\r\n"
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
        self._waiting = 0  # calls held now
        self._since = 0.0  # when the calls held now began to be
        self._stood_still = 0.0  # seconds during which calls were held, before ``_since``

    def clock(self) -> float:
        """``time.monotonic()`` less the time during which a call was held."""
        with self._lock:
            now = time.monotonic()
            held = self._stood_still + (now - self._since if self._waiting else 0.0)
            return now - held

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

    def meet(self, operation: str, body: str, keep_reading: Callable[[], None]) -> None:
        """Wait here if a hold takes this call, until it is released (or for at most
        ``MAX_HOLD_SECONDS``), calling ``keep_reading`` every ``KEEP_READING_SECONDS``."""
        with self._lock:
            hold = next((h for h in self._holds.values() if h.takes(operation, body)), None)
            if hold is None:
                return
            hold.arrived += 1
            self._waiting += 1
            if self._waiting == 1:
                self._since = time.monotonic()
        try:
            deadline = time.monotonic() + MAX_HOLD_SECONDS
            while not hold.released.wait(KEEP_READING_SECONDS) and time.monotonic() < deadline:
                keep_reading()
        finally:
            with self._lock:
                self._waiting -= 1
                if not self._waiting:
                    self._stood_still += time.monotonic() - self._since

    def around(self, app: WsgiApp) -> WsgiApp:
        """``app`` (moto's WSGI application), each request meeting the holds before it runs."""

        def held(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            text = body.decode("utf-8", errors="replace")
            connection = environ["werkzeug.socket"]  # the caller's, before any answer is sent
            self.meet(_operation(environ, text), text, lambda: connection.sendall(INTERIM))
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
