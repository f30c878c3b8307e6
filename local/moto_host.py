"""moto in server mode as the runtime hosts it: one server that every function's environments
call at the same time, with DynamoDB's atomicity.

Moto difference: its DynamoDB evaluates a write's condition and then writes, without a lock, so
two concurrent ``attribute_not_exists`` puts of one key can both succeed; and a transaction that
fails restores copies of its tables taken when it began, undoing writes that other requests
made meanwhile. DynamoDB makes each conditional write and each transaction atomic. Here every
DynamoDB and DynamoDB Streams request is handled one at a time inside the server (each takes
about a millisecond); other services' requests run concurrently. Requests are still served
concurrently as far as DynamoDB's isolation goes: a transaction is ongoing, and conflicts with
others, from its arrival to its answer (``local/transactions.py``). Chaos mode, if asked for,
applies to every request (``local/chaos.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from local import chaos, transactions
from local.holds import Holds
from local.moto_streams import keep_stream_shards

_DYNAMODB = threading.RLock()
SERIALISED = (DynamoHandler, DynamoDBStreamsHandler)


def _one_at_a_time(call_action: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @wraps(call_action)
    def serialised(self: Any) -> Any:
        with _DYNAMODB:
            return call_action(self)

    serialised.one_at_a_time = True  # type: ignore[attr-defined]
    return serialised


def serialise_dynamodb() -> None:
    """Handle DynamoDB's requests one at a time in this process's moto (once is enough)."""
    for handler in SERIALISED:
        if not getattr(handler.call_action, "one_at_a_time", False):
            handler.call_action = _one_at_a_time(handler.call_action)  # type: ignore[method-assign]


class HostedMoto(ThreadedMotoServer):
    """moto's threaded server, each request meeting the runtime's holds (``local/holds.py``)
    before moto handles it."""

    def __init__(self, host: str, port: int, holds: Holds) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self.holds = holds

    def _server_entry(self) -> None:  # moto's own, with the holds around its application
        app = self.holds.around(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def moto_server(host: str, port: int, holds: Holds) -> ThreadedMotoServer:
    serialise_dynamodb()
    transactions.install()  # outside the serialisation: a request waiting for its turn is ongoing
    chaos.install()
    keep_stream_shards()
    return HostedMoto(host, port, holds)
