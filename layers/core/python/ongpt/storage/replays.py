"""A state change that recognises a retry of the request that made it (API.md, Conventions: a
retry with the same ``Idempotency-Key`` returns the first response and does nothing twice).

Powertools completes a request's idempotency record with an ``UpdateItem`` after the route's
transaction committed. If that call fails, the client gets 503, the record stays in progress
until it expires, and the retry with the same key runs the route again: a route that moves an
item from one state to another would find it moved and refuse (409, or 400), though the change
is its own. So the transaction that makes a change records on the changed item which request
made it (``made_by_request``: the request's ``retry_id``, the same for every retry with the same
key, caller, route and path), and the route, finding the item in its target state made by this
same request, answers as the first attempt did and writes nothing: no second audit entry, no
second notice. Any other request, a request without a key included (its ``retry_id`` is new
each time), still gets the refusal it got before.

Why not complete the idempotency record inside the route's own transaction instead: the record
is Powertools' (its key is a hash of the key's JSON, its ``data``, ``validation`` and
``expiration`` fields are Powertools' format, which a version may change), the answer is known
only after the commit, and not every change is one transaction (an edit request's proof is a
lone conditional ``UpdateItem``). The item's own record needs none of that, costs no write unit
(one more attribute on an item the transaction writes anyway) and still holds after the
idempotency record has expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MADE_BY = "made_by_request"


def made_by(request_id: str) -> dict[str, str]:
    """The attribute a change sets on the item it changes: the request that made it."""
    return {MADE_BY: request_id}


def replayed(item: Mapping[str, Any] | None, request_id: str, **target: Any) -> bool:
    """Whether ``item`` is in its ``target`` state (attributes and values) because the request
    ``request_id`` put it there: a retry of that request, to be answered as it was."""
    return (
        item is not None
        and item.get(MADE_BY) == request_id
        and all(item.get(name) == value for name, value in target.items())
    )
