"""Pending items proven by one-time codes, in rounds (registrations, recoveries): read, count a
wrong try, start a new round (taken back if its message cannot be queued), claim and release each
channel's code of a round.

An item is ``<PREFIX>#<id>`` in the Registrations table, ``status`` ``PENDING_VERIFICATION``
until done, ``round`` the current round, ``<channel>_code`` / ``<channel>_round`` the hash of the
code sent on a channel and its round, ``attempts`` the wrong tries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ongpt.platform.telemetry import tracer
from ongpt.storage.dynamo import conditional_update, count_failure, from_item, key, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

PENDING = "PENDING_VERIFICATION"


class CodeRounds:
    """The items of one kind, ``prefix`` (``REGISTRATION#{}``, ``RECOVERY#{}``)."""

    def __init__(self, dynamodb: DynamoDBClient, table: str, prefix: str) -> None:
        self._db, self._table, self._prefix = dynamodb, table, prefix

    def _key(self, item_id: str) -> dict[str, Any]:
        return key(self._prefix.format(item_id))

    @tracer.capture_method
    def add(self, item_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Keep a new item, unless one is kept under ``item_id`` already (a request's retry id:
        its first attempt kept it); the item kept, either way. One conditional ``PutItem``, which
        returns the item it found (``ReturnValuesOnConditionCheckFailure``)."""
        item = {"pk": self._prefix.format(item_id), **values}
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
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

    @tracer.capture_method
    def count_failure(self, item_id: str, limit: int) -> int:
        """One more wrong try; the new count. Never past ``limit``."""
        return count_failure(self._db, self._table, self._key(item_id), limit)

    @tracer.capture_method
    def update(self, item_id: str, values: dict[str, Any]) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=self._key(item_id),
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
            ExpressionAttributeNames={f"#{k}": k for k in values},
            ExpressionAttributeValues=to_item({f":{k}": v for k, v in values.items()}),
        )

    @tracer.capture_method
    def replace_codes(self, item_id: str, changes: dict[str, Any], sent_before: str) -> bool:
        """A new round of codes and its times (a ``None`` value removes its attribute), if nobody
        resent since ``sent_before``; whether it did."""
        kept = {k: v for k, v in changes.items() if v is not None}
        removed = [k for k, v in changes.items() if v is None]
        update = "SET " + ", ".join(f"#{k} = :{k}" for k in kept)
        if removed:
            update += " REMOVE " + ", ".join(f"#{k}" for k in removed)
        return conditional_update(
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
        )

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
        code."""
        return conditional_update(
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
        )

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
        status: str,
        at: str,
        limit: int,
        removes: tuple[str, ...] = (),
        values: Mapping[str, Any] | None = None,
    ) -> TransactWriteItemTypeDef:
        """The transaction item that closes a pending item, setting ``values`` too: once, and
        only if not locked; the ``removes`` attributes go with it."""
        changes = {"status": status, "completed_at": at, **(values or {})}
        remove = f" REMOVE {', '.join(removes)}" if removes else ""
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(item_id),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in changes) + remove,
                "ConditionExpression": "#status = :pending AND attempts < :limit",
                "ExpressionAttributeNames": {f"#{k}": k for k in changes},
                "ExpressionAttributeValues": to_item(
                    {
                        **{f":{k}": v for k, v in changes.items()},
                        ":pending": PENDING,
                        ":limit": limit,
                    }
                ),
            }
        }
