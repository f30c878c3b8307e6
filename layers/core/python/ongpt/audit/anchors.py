"""Anchors of the audit chains' heads outside DynamoDB (P2.5, P5), in write-once storage.

The anchor job runs every hour. It finds the chains written to since a little before its
previous run from the audit table's ``by-written-day`` index (never a Scan); for each, it reads
the entries newer than the chain's newest anchor, checks that they link on from it and that each
is keyed (one ``VerifyMac`` per entry, once in its life), and writes the head (sequence, hash,
MAC, time) to the anchor bucket: S3 Object Lock in
compliance mode, where no one, the account's root included, can delete or overwrite an object
version before its retention ends, and a bucket policy refuses any put without
``If-None-Match`` and any delete. So a chain cut off or rewritten at or below its newest anchor
no longer verifies; entries newer than that are protected by their MACs and by CloudTrail's data
events of the table only.

Objects are named ``<subject>/<10^12 - sequence>.json``: a subject's newest anchor is the first
its prefix lists, one ``ListObjectsV2`` of one key.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

from ongpt.audit.service import Anchor, ChainKey, Entry, Verification, verify, verify_extension
from ongpt.audit.store import AuditLog
from ongpt.platform.clock import timestamp
from ongpt.platform.telemetry import logger

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

LOOKBACK = timedelta(hours=2)  # the hourly run reads one hour more: a late entry or a failed run
SEQUENCE_CEILING = 10**12  # sequences stay below; keys sort newest first


def _prefix(subject: str) -> str:
    return f"{quote(subject, safe='')}/"


def _object_key(subject: str, sequence: int) -> str:
    return f"{_prefix(subject)}{SEQUENCE_CEILING - sequence:012d}.json"


class Anchors:
    """The anchor bucket: one write-once object per anchored head."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def latest(self, subject: str) -> Anchor | None:
        listed = self._s3.list_objects_v2(Bucket=self._bucket, Prefix=_prefix(subject), MaxKeys=1)
        if not listed.get("Contents"):
            return None
        body = self._s3.get_object(Bucket=self._bucket, Key=listed["Contents"][0]["Key"])["Body"]
        return Anchor(**json.loads(body.read()))

    def put(self, anchor: Anchor) -> bool:
        """Write the anchor once; False if that head was anchored already."""
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=_object_key(anchor.subject, anchor.sequence),
                Body=json.dumps(asdict(anchor)).encode(),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "PreconditionFailed":
                return False
            raise
        return True


class AnchoredVerifier:
    """Verifies a chain against its newest anchor and the audit key."""

    def __init__(self, key: ChainKey, anchors: Anchors) -> None:
        self._key = key
        self._anchors = anchors

    def verify(self, subject: str, entries: list[Entry]) -> Verification:
        return verify(entries, keyed=self._key.valid, anchor=self._anchors.latest(subject))


class AnchorJob:
    """Anchors the head of every chain written to since ``now - LOOKBACK``, once per head. It
    reads the audit table and never writes it."""

    def __init__(self, log: AuditLog, key: ChainKey, anchors: Anchors) -> None:
        self._log = log
        self._key = key
        self._anchors = anchors

    def run(self, now: datetime) -> dict[str, int]:
        counts = {"anchored": 0, "unchanged": 0, "unverified": 0}
        for subject in self._log.subjects_written_since(now - LOOKBACK, now):
            previous = self._anchors.latest(subject)
            newer = self._log.entries(subject, after=previous.sequence if previous else 0)
            if not newer:
                counts["unchanged"] += 1
            elif verify_extension(newer, keyed=self._key.valid, anchor=previous):
                # Never anchor what the audit key did not make: the chain stays as it is, for
                # a person to look at, and its verification names the bad entry.
                counts["unverified"] += 1
                logger.warning("audit chain not anchored", extra={"code": "AUDIT_CHAIN_UNVERIFIED"})
            else:
                head = newer[-1]
                anchor = Anchor(subject, head.sequence, head.hash, head.mac, timestamp(now))
                counts["anchored" if self._anchors.put(anchor) else "unchanged"] += 1
        return counts
