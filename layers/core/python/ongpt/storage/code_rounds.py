"""Pending items proven by one-time codes (registrations, recoveries, edit requests): guesses at
their codes, counted before they are compared and decided in one conditional write; and, for the
items that come in rounds (registrations, recoveries), a new round (taken back if its message
cannot be queued), the claim and release of each channel's code of a round.

An item is pending while its ``status`` is ``PENDING_VERIFICATION``; ``<channel>_code`` is the
hash of the code sent on a channel, ``attempts`` the guesses counted, ``code_expires_at`` when
its codes expire. A round item is ``<PREFIX>#<id>`` in the Registrations table, ``round`` its
current round and ``<channel>_round`` the round of each channel's code.

A guess (DESIGN.md, "Decide, then act"): ``Guesses.take`` counts it with one conditional
``UpdateItem`` that also returns the codes to compare (so parallel guesses are counted one by
one, and never more than the limit are compared); the service compares; a right guess is decided
by one write conditional on the item being still pending with those codes (``same_codes``),
with whatever must commit with the decision; what happens outside DynamoDB follows from the
decision. A request that fails for another reason than its answer gives its guess back
(``counted_unless_failed``).

The writes whose second application the SDK's retry after a lost answer would make (a guess or
a give-back counted twice, a claim or a round refused as taken by its own first write) are
applied once (``ongpt.storage.dynamo.update_once``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, auto
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ongpt.platform.clock import timestamp
from ongpt.platform.errors import Expired, NotFound, ServiceError, TooManyAttempts
from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import conditional_update, from_item, key, to_item, update_once
from ongpt.storage.races import until_won
from ongpt.storage.replays import MADE_BY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

PENDING = "PENDING_VERIFICATION"
CHANNELS = ("email", "phone")  # of the round items' codes


class Refusal(Enum):
    """Why a guess was neither counted nor compared."""

    MISSING = auto()  # no such item
    DECIDED = auto()  # no longer pending: the item says what was decided, and by which request
    LOCKED = auto()  # the guesses allowed were all counted
    EXPIRED = auto()  # the codes expired


@dataclass(frozen=True)
class Guess:
    """A guess at an item's codes. Counted (``refused`` None): ``item`` as the write that counted
    it left it, its codes the ones to compare. Refused: ``item`` as found (None: there is none)."""

    item: dict[str, Any] | None
    refused: Refusal | None = None

    def remaining(self, limit: int) -> int:
        """The guesses still allowed after this one."""
        return max(0, limit - int((self.item or {}).get("attempts", limit)))


@dataclass(frozen=True)
class Refusals:
    """A service's answers to a guess refused for any reason but ``DECIDED`` (the service
    answers that one, which may be a retry of its own request)."""

    missing: str
    locked: str
    expired: str = "The codes have expired; ask for new ones."

    def error(self, refused: Refusal) -> ServiceError:
        if refused is Refusal.MISSING:
            return NotFound(self.missing)
        if refused is Refusal.LOCKED:
            return TooManyAttempts(self.locked)
        return Expired(self.expired)


@dataclass(frozen=True)
class Condition:
    """A condition expression with its names and (plain) values."""

    expression: str
    names: dict[str, str]
    values: dict[str, Any]


def same_codes(guess: Guess, channels: Iterable[str]) -> Condition:
    """That the codes a counted ``guess`` compared on ``channels`` are still the item's: with the
    item still pending, the condition that decides the guess (once, and never on codes replaced
    meanwhile)."""
    item, compared = guess.item or {}, list(channels)
    return Condition(
        " AND ".join(f"#{c}_code = :{c}_code" for c in compared),
        {f"#{c}_code": f"{c}_code" for c in compared},
        {f":{c}_code": item[f"{c}_code"] for c in compared},
    )


def decided_by(decided: str, request_id: str) -> Condition:
    """That the item is ``decided`` because the request ``request_id`` decided it."""
    return Condition(
        "#status = :decided AND #made_by = :request",
        {"#status": "status", "#made_by": MADE_BY},
        {":decided": decided, ":request": request_id},
    )


@contextmanager
def counted_unless_failed(give_back: Callable[[], None]) -> Iterator[None]:
    """The comparison and decision of a counted guess: if they fail for any reason but an answer
    to it (a client error: a wrong code, a race lost), ``give_back`` its attempt, so a request
    that failed (a 5xx) leaves nothing and its retry counts as the one guess."""
    try:
        yield
    except BaseException as error:
        if not (isinstance(error, ServiceError) and error.status < 500):
            give_back()
        raise


class Guesses:
    """Guesses at the codes of the pending items of one table."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db, self._table = dynamodb, table

    @tracer.capture_method
    def take(self, item_key: dict[str, Any], limit: int, now: datetime) -> Guess:
        """Count a guess before anything is compared: one ``UpdateItem`` that adds an attempt
        only while the item is pending, fewer than ``limit`` are counted and its codes have not
        expired, and returns the item as it left it, or, refused, as it found it, in one atomic
        write applied once (``update_once``: the SDK's retry after a lost answer counts
        nothing more)."""
        counted = update_once(
            self._db,
            TableName=self._table,
            Key=item_key,
            UpdateExpression="SET attempts = attempts + :one",
            ConditionExpression=(
                "#status = :pending AND attempts < :limit AND code_expires_at >= :now"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item(
                {":one": 1, ":limit": limit, ":pending": PENDING, ":now": timestamp(now)}
            ),
        )
        if counted.applied:
            return Guess(counted.item)
        return _refused(counted.item, limit)

    def give_back(self, item_key: dict[str, Any]) -> None:
        """The attempt of a guess whose request failed before its answer, back, while the item
        is pending."""
        self._undo(item_key, Condition("#status = :pending", {"#status": "status"}, {}))

    def take_back(self, item_key: dict[str, Any], decided: str, request_id: str) -> None:
        """A decision whose acts failed, undone: the item pending again, its guess's attempt
        back, if the request ``request_id`` moved it to ``decided`` (nothing otherwise)."""
        self._undo(item_key, decided_by(decided, request_id))

    @tracer.capture_method
    def _undo(self, item_key: dict[str, Any], condition: Condition) -> None:
        """The item pending, one attempt fewer, if ``condition`` holds (once: ``update_once``)."""
        update_once(
            self._db,
            TableName=self._table,
            Key=item_key,
            UpdateExpression="SET attempts = attempts - :one, #status = :pending",
            ConditionExpression=f"attempts > :zero AND {condition.expression}",
            ExpressionAttributeNames={"#status": "status", **condition.names},
            ExpressionAttributeValues=to_item(
                {":one": 1, ":zero": 0, ":pending": PENDING, **condition.values}
            ),
        )


def _refused(found: Mapping[str, Any] | None, limit: int) -> Guess:
    """A guess that could not be counted, and why (in this order: an item that is both decided
    and expired was decided)."""
    if found is None:
        return Guess(None, Refusal.MISSING)
    if found["status"] != PENDING:
        return Guess(dict(found), Refusal.DECIDED)
    if int(found["attempts"]) >= limit:
        return Guess(dict(found), Refusal.LOCKED)
    return Guess(dict(found), Refusal.EXPIRED)


class CodeRounds:
    """The items of one kind, ``prefix`` (``REGISTRATION#{}``, ``RECOVERY#{}``)."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, prefix: str) -> None:
        self._db, self._table, self._prefix = dynamodb, table, prefix
        self._guesses = Guesses(dynamodb, table)

    def _key(self, item_id: str) -> dict[str, Any]:
        return key(self._prefix.format(item_id))

    @tracer.capture_method
    def add(self, item_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Keep a new item, unless one is kept under ``item_id`` already (a request's retry id:
        its first attempt kept it); the item kept, either way. One conditional ``PutItem``, which
        returns the item it found (``ReturnValuesOnConditionCheckFailure``)."""
        item = {"pk": self._prefix.format(item_id), **values}
        try:
            until_won(
                lambda: self._db.put_item(
                    TableName=self._table,
                    Item=to_item(item),
                    ConditionExpression="attribute_not_exists(pk)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return from_item(error.response["Item"])  # type: ignore[typeddict-item]
        return item

    @tracer.capture_method
    def get(self, item_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=self._key(item_id), ConsistentRead=True
        ).get("Item")
        return from_item(found) if found else None

    def take(self, item_id: str, limit: int, now: datetime) -> Guess:
        """A guess at the item's codes, counted before they are compared (``Guesses.take``)."""
        return self._guesses.take(self._key(item_id), limit, now)

    def give_back(self, item_id: str) -> None:
        self._guesses.give_back(self._key(item_id))

    def take_back(self, item_id: str, decided: str, request_id: str) -> None:
        self._guesses.take_back(self._key(item_id), decided, request_id)

    def decision(
        self, item_id: str, guess: Guess, status: str, values: Mapping[str, Any]
    ) -> TransactWriteItemTypeDef:
        """The transaction item that decides a counted ``guess`` at both channels' codes: the
        item to ``status`` with ``values``, only if it is still pending with the codes compared
        (``same_codes``)."""
        codes = same_codes(guess, CHANNELS)
        condition = Condition(
            f"#status = :pending AND {codes.expression}",
            {"#status": "status", **codes.names},
            {":pending": PENDING, **codes.values},
        )
        return self._moved(item_id, {"status": status, **values}, (), condition)

    @tracer.capture_method
    def decide(self, item_id: str, guess: Guess, status: str, values: Mapping[str, Any]) -> bool:
        """``decision`` alone, one conditional ``UpdateItem``: whether it held."""
        update = self.decision(item_id, guess, status, values)["Update"]
        return conditional_update(self._db, **update)

    @tracer.capture_method
    def update(self, item_id: str, values: dict[str, Any]) -> None:
        until_won(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(item_id),
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
                ExpressionAttributeNames={f"#{k}": k for k in values},
                ExpressionAttributeValues=to_item({f":{k}": v for k, v in values.items()}),
            )
        )

    @tracer.capture_method
    def replace_codes(self, item_id: str, changes: dict[str, Any], sent_before: str) -> bool:
        """A new round of codes and its times (a ``None`` value removes its attribute), if nobody
        resent since ``sent_before``; whether it did (once: ``update_once``)."""
        kept = {k: v for k, v in changes.items() if v is not None}
        removed = [k for k, v in changes.items() if v is None]
        update = "SET " + ", ".join(f"#{k} = :{k}" for k in kept)
        if removed:
            update += " REMOVE " + ", ".join(f"#{k}" for k in removed)
        return update_once(
            self._db,
            TableName=self._table,
            Key=self._key(item_id),
            UpdateExpression=update,
            ConditionExpression="last_sent_at = :before AND #status = :pending",
            ExpressionAttributeNames={**{f"#{k}": k for k in changes}, "#status": "status"},
            ExpressionAttributeValues=to_item(
                {
                    **{f":{k}": v for k, v in kept.items()},
                    ":before": sent_before,
                    ":pending": PENDING,
                }
            ),
        ).applied

    def new_round(
        self,
        item_id: str,
        record: dict[str, Any],
        changes: dict[str, Any],
        send: Callable[[], None],
    ) -> bool:
        """``replace_codes`` from ``record`` as read, then ``send`` the round's message; if that
        fails the round is taken back (its times as they were), so that the client's retry may
        ask again: a round whose codes never went out cannot hold off a resend for 60 s (nor be
        taken for its request's own round by that retry)."""
        if not self.replace_codes(item_id, changes, record["last_sent_at"]):
            return False
        try:
            send()
        except BaseException:
            self.replace_codes(
                item_id, {k: record.get(k) for k in changes}, changes["last_sent_at"]
            )
            raise
        return True

    @tracer.capture_method
    def claim_code(self, item_id: str, channel: str, round_: int, hashed: str) -> bool:
        """Set the channel's code for ``round_`` if that is the item's current round and its
        code was not set in it yet: a late message of an older round never replaces a newer
        code. Whether it did (once: ``update_once``)."""
        return update_once(
            self._db,
            TableName=self._table,
            Key=self._key(item_id),
            UpdateExpression="SET #code = :code, #round = :round",
            ConditionExpression=(
                "#status = :pending AND #current = :round"
                " AND (attribute_not_exists(#round) OR #round < :round)"
            ),
            ExpressionAttributeNames={
                "#code": f"{channel}_code",
                "#round": f"{channel}_round",
                "#current": "round",
                "#status": "status",
            },
            ExpressionAttributeValues=to_item(
                {":code": hashed, ":round": round_, ":pending": PENDING}
            ),
        ).applied

    @tracer.capture_method
    def release_code(self, item_id: str, channel: str, round_: int) -> None:
        """The code of a send that failed: gone, so that the retry sends a new one; unless a
        newer round set it meanwhile."""
        conditional_update(
            self._db,
            TableName=self._table,
            Key=self._key(item_id),
            UpdateExpression="REMOVE #code, #round",
            ConditionExpression="#round = :round",
            ExpressionAttributeNames={"#code": f"{channel}_code", "#round": f"{channel}_round"},
            ExpressionAttributeValues=to_item({":round": round_}),
        )

    def finish(
        self,
        item_id: str,
        decided: str,
        request_id: str,
        status: str,
        values: Mapping[str, Any],
        removes: tuple[str, ...] = (),
    ) -> TransactWriteItemTypeDef:
        """The transaction item that closes an item the request ``request_id`` moved to
        ``decided``: to ``status`` with ``values``, the ``removes`` attributes gone."""
        condition = decided_by(decided, request_id)
        return self._moved(item_id, {"status": status, **values}, removes, condition)

    def _moved(
        self,
        item_id: str,
        changes: Mapping[str, Any],
        removes: tuple[str, ...],
        condition: Condition,
    ) -> TransactWriteItemTypeDef:
        remove = f" REMOVE {', '.join(removes)}" if removes else ""
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(item_id),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in changes) + remove,
                "ConditionExpression": condition.expression,
                "ExpressionAttributeNames": {**{f"#{k}": k for k in changes}, **condition.names},
                "ExpressionAttributeValues": to_item(
                    {**{f":{k}": v for k, v in changes.items()}, **condition.values}
                ),
            }
        }
