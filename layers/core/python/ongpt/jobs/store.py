"""DynamoDB access of the scheduled jobs' runs (``ongpt.jobs.service``): one item per job of a
function, ``job`` = ``<function>#<job>`` (IAM gives each function its own: ``key_pattern``),
holding the passes still to finish (their times, oldest first; the first is under way), where
the first goes on (a page's position as JSON: ids and index keys, never a personal value), and
a version, on which every write is conditional."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ongpt.platform.clock import timestamp, utcnow
from ongpt.platform.pages import Position
from ongpt.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def key_pattern(function: str) -> str:
    """The keys of a function's job runs, as IAM's ``dynamodb:LeadingKeys`` matches them."""
    return f"{function}#*"


@dataclass(frozen=True)
class JobRun:
    """A job's passes still to finish (their times), where the first goes on (``{}``: its
    start), and how many writes the item has had."""

    passes: tuple[str, ...] = ()
    after: Position = field(default_factory=dict)
    version: int = 0

    def queued(self, when: str) -> JobRun:
        return replace(self, passes=(*self.passes, when))

    def moved(self, following: Position | None) -> JobRun:
        """The first pass gone on to ``following``, or finished (``None``)."""
        if following is None:
            return replace(self, passes=self.passes[1:], after={})
        return replace(self, after=following)


class JobRunStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str, function: str) -> None:
        self._db, self._table, self._function = dynamodb, table, function

    def _key(self, job: str) -> str:
        return f"{self._function}#{job}"

    def read(self, job: str) -> JobRun:
        found = self._db.get_item(
            TableName=self._table, Key=to_item({"job": self._key(job)}), ConsistentRead=True
        ).get("Item")
        if not found:
            return JobRun()
        values = from_item(found)
        return JobRun(tuple(values["passes"]), json.loads(values["after"]), int(values["version"]))

    def write(self, job: str, run: JobRun, over: JobRun) -> JobRun | None:
        """``run`` in place of ``over`` (as read), unless another invocation wrote the item
        meanwhile (``None`` then): the run as written."""
        written = replace(run, version=over.version + 1)
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "job": self._key(job),
                        "passes": list(written.passes),
                        "after": json.dumps(written.after, sort_keys=True),
                        "version": written.version,
                        "updated_at": timestamp(utcnow()),
                    }
                ),
                ConditionExpression="attribute_not_exists(job) OR version = :read",
                ExpressionAttributeValues=to_item({":read": over.version}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return None
        return written
