"""The outbox (DESIGN.md, "One shape for every write"): notices to send, written as items of the
transaction of the change they tell of, so that a change commits with its notices or not at all.

A notice's id is derived from what it is about (the business id and event), its kind and its
channel: a replayed write cannot enqueue it twice (its put is conditional). Its recipient and
template values are personal data: they are sealed under the owner's data key, from the key store
(a customer's, or a complaint's for a guest's complaint), so neither the item nor its stream
record holds them in clear, and a notice of an erased customer can no longer be opened. A
``Deferred`` notice (an announcement's) holds nothing personal to seal: only its customer's id
and its ``source`` (the announcement's id); its address and values are resolved when it is sent,
so writing one costs no data key (no KMS call per customer in a fan-out). The delivery worker
(``ongpt.notify.dispatch``) reads the table's stream and moves each item ``PENDING`` ->
``CLAIMED`` -> ``SENT`` (or ``DROPPED``, ``REFUSED``, ``UNWANTED``); a ``CLAIMED`` item with
``sent_at`` was sent by a delivery that could not mark it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.telemetry import tracer
from ongpt.security.crypto import seal, unseal
from ongpt.storage.dynamo import TransactionConflict, from_item, to_item, transact
from ongpt.storage.key_store import KeyStore
from ongpt.storage.races import until_won

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

KEPT = timedelta(days=14)  # then TTL removes the item (its REMOVE record is filtered out)
# A claim older than this with no send recorded was left by a delivery that died (the worker
# times out before), maybe after the provider took the message: never taken over, counted.
STALE_CLAIM = timedelta(seconds=60)
PENDING, CLAIMED, SENT = "PENDING", "CLAIMED", "SENT"
DROPPED = "DROPPED"  # its owner's key is gone (erased): it can never be opened
REFUSED = "REFUSED"  # the sender refused the address (an SMS country not allowed)
UNWANTED = "UNWANTED"  # a deferred notice whose customer no longer wants it when it is sent
Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class Owner:
    """Whose data key, in the key store, seals a notice: a customer's (``{"customer_id": id}``)
    or, e.g., a guest's complaint's (``{"complaint_id": id}``)."""

    context: Mapping[str, str]

    @property
    def id(self) -> str:
        ((_, owner),) = self.context.items()
        return owner


def customer(customer_id: str) -> Owner:
    return Owner({"customer_id": customer_id})


@dataclass(frozen=True)
class Notice:
    """A message to send: ``about`` names the change it tells of (e.g. ``contract:<id>``)."""

    about: str
    kind: str
    channel: Channel
    to: str
    language: str | None
    values: Mapping[str, str]
    owner: Owner

    @property
    def notice_id(self) -> str:
        return _notice_id(self.about, self.kind, self.channel)

    @property
    def customer_id(self) -> str | None:
        """The customer whose notice history records it, if the owner is one."""
        return self.owner.context.get("customer_id")


def _notice_id(about: str, kind: str, channel: str) -> str:
    return hashlib.sha256(f"{about}|{kind}|{channel}".encode()).hexdigest()


@dataclass(frozen=True)
class Deferred:
    """A notice to a customer that names only them and its ``source`` (what its values come
    from, e.g. an announcement's id): resolved when it is sent (``ongpt.notify.dispatch``)."""

    about: str
    kind: str
    channel: Channel
    customer_id: str
    source: str

    @property
    def notice_id(self) -> str:
        return _notice_id(self.about, self.kind, self.channel)


class ClaimHeld(Exception):
    """A delivery claimed the notice before: ``item`` says whether it recorded a send."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__(item["notice_id"])
        self.item = item


def _field(notice_id: str) -> str:
    return f"notice:{notice_id}"


@dataclass
class Outbox:
    dynamodb: DynamoDBClient
    table: str
    key_store: KeyStore
    clock: Callable[[], datetime] = field(default=lambda: utcnow())

    def _key(self, owner: Owner) -> bytes:
        return self.key_store.open(dict(owner.context))

    def items(
        self, notices: Sequence[Notice | Deferred], made: tuple[Owner, bytes] | None = None
    ) -> list[TransactWriteItemTypeDef]:
        """The puts that enqueue ``notices``, for the transaction of the change they tell of;
        each fails its condition if that notice was enqueued before. ``made``: an owner whose
        data key this transaction makes (not in the key store yet), and that key."""
        now = self.clock()
        return [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(self._values(notice, now, made)),
                    "ConditionExpression": "attribute_not_exists(notice_id)",
                }
            }
            for notice in notices
        ]

    def _values(
        self, notice: Notice | Deferred, now: datetime, made: tuple[Owner, bytes] | None
    ) -> dict[str, Any]:
        values = {
            "notice_id": notice.notice_id,
            "kind": notice.kind,
            "channel": notice.channel,
            "customer_id": notice.customer_id,
            "state": PENDING,
            "created_at": timestamp(now),
            "expires_at_epoch": int((now + KEPT).timestamp()),
        }
        if isinstance(notice, Deferred):
            return {**values, "source": notice.source}
        secret = json.dumps({"to": notice.to, "values": dict(notice.values)}, ensure_ascii=False)
        owner = notice.owner
        key = made[1] if made and made[0] == owner else self._key(owner)
        return {
            **values,
            "language": notice.language,
            "owner": json.dumps(dict(owner.context), sort_keys=True),
            "sealed": seal(key, owner.id, _field(notice.notice_id), secret),
        }

    @tracer.capture_method
    def enqueue(self, notices: Sequence[Notice]) -> bool:
        """The notices alone, in one transaction; False if they were enqueued before (a change
        enqueues all its notices at once, so either all or none of them were)."""
        try:
            transact(self.dynamodb, self.items(notices))
        except TransactionConflict:
            return False
        return True

    # The delivery worker's side
    @tracer.capture_method
    def claim(self, notice_id: str, at: str) -> dict[str, Any] | None:
        """Take the pending notice to send it: its item, or None if it needs nothing more (sent,
        dropped, refused, or gone). ``ClaimHeld``, with the item, if a delivery claimed it
        before: never taken over, since that delivery may have sent it."""
        try:
            claimed = until_won(
                lambda: self.dynamodb.update_item(
                    TableName=self.table,
                    Key=to_item({"notice_id": notice_id}),
                    UpdateExpression="SET #state = :claimed, claimed_at = :at",
                    ConditionExpression="#state = :pending",
                    ExpressionAttributeNames={"#state": "state"},
                    ExpressionAttributeValues=to_item(
                        {":claimed": CLAIMED, ":pending": PENDING, ":at": at}
                    ),
                    ReturnValues="ALL_NEW",
                )
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            found = self.dynamodb.get_item(
                TableName=self.table, Key=to_item({"notice_id": notice_id}), ConsistentRead=True
            ).get("Item")
            if found and from_item(found)["state"] == CLAIMED:
                raise ClaimHeld(from_item(found)) from None
            return None
        return from_item(claimed["Attributes"])

    def open(self, item: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """The recipient and template values of a notice; ``KeyGone`` if its owner was erased."""
        owner = Owner(json.loads(item["owner"]))
        secret = json.loads(
            unseal(self._key(owner), owner.id, _field(item["notice_id"]), item["sealed"])
        )
        return secret["to"], secret["values"]

    def _while_claimed(
        self, notice_id: str, claimed_at: str, update: str, values: dict[str, str]
    ) -> None:
        """``update`` the notice if its claim is still ``claimed_at``."""
        until_won(
            lambda: self.dynamodb.update_item(
                TableName=self.table,
                Key=to_item({"notice_id": notice_id}),
                UpdateExpression=update,
                ConditionExpression="#state = :claimed AND claimed_at = :mine",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {**values, ":claimed": CLAIMED, ":mine": claimed_at}
                ),
            )
        )

    @tracer.capture_method
    def release(self, notice_id: str, claimed_at: str) -> None:
        """Give up a claim (nothing was sent), so that the next delivery sends it."""
        update = "SET #state = :pending REMOVE claimed_at"
        self._while_claimed(notice_id, claimed_at, update, {":pending": PENDING})

    @tracer.capture_method
    def record_send(self, notice_id: str, claimed_at: str, at: str) -> None:
        """Note on the claimed notice that it was sent at ``at``, when its finishing transaction
        failed: the next delivery finishes it without sending it again."""
        self._while_claimed(notice_id, claimed_at, "SET sent_at = :at", {":at": at})

    @tracer.capture_method
    def finish(
        self,
        notice_id: str,
        claimed_at: str,
        state: str,
        at: str,
        also: Sequence[TransactWriteItemTypeDef] = (),
    ) -> None:
        """Mark the claimed notice ``state`` at ``at``, with ``also`` (its history line) in the
        same transaction. Its token makes a repeat of the same finish (a retry after a timeout
        whose first attempt committed) succeed without writing again, for ten minutes (moto
        ignores the token; the fault tests fail a call before it is sent, never after)."""
        token = hashlib.sha256(f"{notice_id}|{claimed_at}|{state}|{at}".encode()).hexdigest()
        transact(
            self.dynamodb,
            [
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": to_item({"notice_id": notice_id}),
                        "UpdateExpression": "SET #state = :state, finished_at = :at",
                        "ConditionExpression": "#state = :claimed AND claimed_at = :mine",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": to_item(
                            {":state": state, ":at": at, ":claimed": CLAIMED, ":mine": claimed_at}
                        ),
                    }
                },
                *also,
            ],
            token=token[:36],
        )
