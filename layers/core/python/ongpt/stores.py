"""DynamoDB access for registrations and customers (keys in ``ongpt.tables``)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from botocore.exceptions import ClientError

from ongpt.dynamo import (
    cancelled_because_of_conditions,
    count_failure,
    from_item,
    key,
    query_all,
    to_item,
)
from ongpt.errors import AlreadyRegistered
from ongpt.tables import BY_STATUS

REGISTRATION = "REGISTRATION#{}"
CUSTOMER = "CUSTOMER#{}"
GUARD = "GUARD"
PROFILE = "PROFILE"


ACTIVE_SHARDS = 16


def active_shard(customer_id: str) -> str:
    """The ``by-status`` partition of an active customer: spread, so no partition is hot."""
    shard = int(hashlib.sha256(customer_id.encode()).hexdigest(), 16) % ACTIVE_SHARDS
    return f"CUSTOMER#ACTIVE#{shard}"


def guard_key(kind: str, index: str) -> dict[str, Any]:
    """The uniqueness guard of an address: ``EMAIL#<hmac>`` or ``PHONE#<hmac>``."""
    return key(f"{kind.upper()}#{index}", GUARD)


class RegistrationStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def add(self, registration_id: str, values: dict[str, Any]) -> None:
        self._db.put_item(
            TableName=self._table,
            Item=to_item({"pk": REGISTRATION.format(registration_id), **values}),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get(self, registration_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=key(REGISTRATION.format(registration_id)),
            ConsistentRead=True,
        ).get("Item")
        return from_item(found) if found else None

    def count_failure(self, registration_id: str, limit: int) -> int:
        """One more wrong try; the new count. Never past ``limit``."""
        return count_failure(
            self._db, self._table, key(REGISTRATION.format(registration_id)), limit
        )

    def replace_codes(
        self, registration_id: str, changes: dict[str, Any], sent_before: str
    ) -> bool:
        """A new round of codes and its times, if nobody resent since ``sent_before``; whether
        it did."""
        names = {f"#{k}": k for k in changes}
        values = {f":{k}": v for k, v in changes.items()}
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(REGISTRATION.format(registration_id)),
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                ConditionExpression="last_sent_at = :before AND #status = :pending",
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues=to_item(
                    {**values, ":before": sent_before, ":pending": "PENDING_VERIFICATION"}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update(self, registration_id: str, values: dict[str, Any]) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=key(REGISTRATION.format(registration_id)),
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
            ExpressionAttributeNames={f"#{k}": k for k in values},
            ExpressionAttributeValues=to_item({f":{k}": v for k, v in values.items()}),
        )

    def claim_code(self, registration_id: str, channel: str, round_: int, hashed: str) -> bool:
        """Set the channel's code for ``round_`` if that is the registration's current round and
        its code was not set in it yet: a late message of an older round never replaces a newer
        code."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(REGISTRATION.format(registration_id)),
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
                    {":code": hashed, ":round": round_, ":pending": "PENDING_VERIFICATION"}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_code(self, registration_id: str, channel: str, round_: int) -> None:
        """The code of a send that failed: gone, so that the retry sends a new one; unless a
        newer round set it meanwhile."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(REGISTRATION.format(registration_id)),
                UpdateExpression="REMOVE #code, #round",
                ConditionExpression="#round = :round",
                ExpressionAttributeNames={"#code": f"{channel}_code", "#round": f"{channel}_round"},
                ExpressionAttributeValues=to_item({":round": round_}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def completion(self, registration_id: str, completed_at: str, limit: int) -> dict[str, Any]:
        """The transaction item that closes a registration: once, and only if not locked."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(REGISTRATION.format(registration_id)),
                "UpdateExpression": "SET #status = :done, completed_at = :at",
                "ConditionExpression": "#status = :pending AND attempts < :limit",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":done": "COMPLETED",
                        ":at": completed_at,
                        ":pending": "PENDING_VERIFICATION",
                        ":limit": limit,
                    }
                ),
            }
        }


class CustomerStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def taken(self, email_index: str, phone_index: str) -> tuple[bool, bool]:
        """Whether each address already belongs to an account."""
        keys = [guard_key("email", email_index), guard_key("phone", phone_index)]
        found = self._db.batch_get_item(
            RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
        )["Responses"].get(self._table, [])
        present = {from_item(item)["pk"] for item in found}
        return f"EMAIL#{email_index}" in present, f"PHONE#{phone_index}" in present

    def owner_of(self, kind: str, index: str) -> str | None:
        found = self._db.get_item(
            TableName=self._table, Key=guard_key(kind, index), ConsistentRead=True
        ).get("Item")
        return str(from_item(found)["customer_id"]) if found else None

    def create(
        self,
        customer_id: str,
        profile: dict[str, Any],
        guards: dict[str, str],
        records: list[dict[str, Any]],
        also: list[dict[str, Any]],
    ) -> None:
        """Profile, address guards, records and ``also`` in one transaction, or nothing.

        Raises ``AlreadyRegistered`` when an address was taken meanwhile."""
        pk = CUSTOMER.format(customer_id)
        guard_puts = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {**guard_key(kind, index), **to_item({"customer_id": customer_id})},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for kind, index in guards.items()
        ]
        puts = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": pk, **item}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for item in [{"sk": PROFILE, **profile}, *records]
        ]
        try:
            self._db.transact_write_items(TransactItems=[*guard_puts, *puts, *also])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            failed = cancelled_because_of_conditions(error)
            if any(failed[: len(guard_puts)]):
                raise AlreadyRegistered(
                    "The email address or phone number is already registered."
                ) from None
            raise

    def profile(self, customer_id: str) -> dict[str, Any] | None:
        found = self._db.get_item(
            TableName=self._table, Key=key(CUSTOMER.format(customer_id), PROFILE)
        ).get("Item")
        return from_item(found) if found else None

    def apply(
        self,
        customer_id: str,
        *,
        sealed: dict[str, str],
        old_indexes: dict[str, str],
        new_indexes: dict[str, str],
        also: list[dict[str, Any]],
    ) -> None:
        """New sealed fields and address guards in one transaction, if the profile still has the
        addresses it had. Raises ``AlreadyRegistered`` when a new address is someone else's."""
        values = {**sealed, **{f"{a}_index": i for a, i in new_indexes.items()}}
        profile_update = {
            "Update": {
                "TableName": self._table,
                "Key": key(CUSTOMER.format(customer_id), PROFILE),
                "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in values),
                "ConditionExpression": "email_index = :old_email AND phone_index = :old_phone",
                "ExpressionAttributeNames": {f"#{k}": k for k in values},
                "ExpressionAttributeValues": to_item(
                    {
                        **{f":{k}": v for k, v in values.items()},
                        ":old_email": old_indexes["email"],
                        ":old_phone": old_indexes["phone"],
                    }
                ),
            }
        }
        moves: list[dict[str, Any]] = []
        new_guard_positions = []
        for kind, new in new_indexes.items():
            if new == old_indexes[kind]:
                continue
            moves.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": guard_key(kind, old_indexes[kind]),
                        "ConditionExpression": "customer_id = :me",
                        "ExpressionAttributeValues": to_item({":me": customer_id}),
                    }
                }
            )
            new_guard_positions.append(1 + len(moves))
            moves.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**guard_key(kind, new), **to_item({"customer_id": customer_id})},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        try:
            self._db.transact_write_items(TransactItems=[profile_update, *moves, *also])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            failed = cancelled_because_of_conditions(error)
            if any(failed[i] for i in new_guard_positions if i < len(failed)):
                raise AlreadyRegistered("An address belongs to another account.") from None
            raise

    def _consent_items(self, customer_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :consent)",
            ExpressionAttributeValues=to_item(
                {":pk": CUSTOMER.format(customer_id), ":consent": "CONSENT#"}
            ),
            ConsistentRead=True,
        )

    def consents(self, customer_id: str) -> list[dict[str, Any]]:
        """The current state of each purpose (``CONSENT#<purpose>``)."""
        return [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 1]

    def consent_history(self, customer_id: str) -> list[dict[str, Any]]:
        """Every change, oldest first (``CONSENT#<purpose>#<time>``)."""
        changes = [i for i in self._consent_items(customer_id) if i["sk"].count("#") == 2]
        fields = ("purpose", "granted", "version", "updated_at", "source")
        return sorted(
            ({k: c.get(k) for k in fields} for c in changes), key=lambda c: str(c["updated_at"])
        )

    def record_consent(self, customer_id: str, state: dict[str, Any]) -> None:
        """The new state and its history entry, together."""
        pk = CUSTOMER.format(customer_id)
        purpose, at = state["purpose"], state["updated_at"]
        self._db.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item({"pk": pk, "sk": f"CONSENT#{purpose}", **state}),
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item({"pk": pk, "sk": f"CONSENT#{purpose}#{at}", **state}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    def active_in(self, shard: int) -> list[str]:
        """The ids of the active customers of one shard (index ``by-status``)."""
        found = query_all(
            self._db,
            TableName=self._table,
            IndexName=BY_STATUS.name,
            KeyConditionExpression="status_key = :shard",
            ExpressionAttributeValues=to_item({":shard": f"CUSTOMER#ACTIVE#{shard}"}),
            ProjectionExpression="pk",
        )
        return [str(item["pk"]).removeprefix("CUSTOMER#") for item in found]


class NoticeLog:
    """What was sent to a customer (type, channel, time), never the message: codes stay secret."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def record(self, customer_id: str, kind: str, channel: str, at: str) -> str:
        """Write one line of the history; its sort key, to ``forget`` it by."""
        entry = f"NOTICE#{at}#{uuid.uuid4()}"
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": CUSTOMER.format(customer_id),
                    "sk": entry,
                    "type": kind,
                    "channel": channel,
                    "sent_at": at,
                }
            ),
        )
        return entry

    def forget(self, customer_id: str, entry: str) -> None:
        self._db.delete_item(TableName=self._table, Key=key(CUSTOMER.format(customer_id), entry))

    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        found = query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :notice)",
            ExpressionAttributeValues=to_item(
                {":pk": CUSTOMER.format(customer_id), ":notice": "NOTICE#"}
            ),
        )
        return [{k: item[k] for k in ("type", "channel", "sent_at")} for item in found]
