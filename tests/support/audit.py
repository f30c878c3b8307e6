"""Audit chains written directly, as an appending function would, at a chosen time."""

from __future__ import annotations

from datetime import datetime

import boto3

from ongpt.audit.chain_key import ChainKey
from ongpt.audit.models import Entry
from ongpt.audit.store import AuditLog
from tests.support.deployed import Deployed


def audit_log(aws: Deployed, at: datetime) -> AuditLog:
    """The audit log as an appending function has it, its clock at ``at``."""
    environment = aws.function("audit").environment
    key = ChainKey(boto3.client("kms"), environment["AUDIT_KEY_ID"])
    return AuditLog(boto3.client("dynamodb"), environment["AUDIT_TABLE"], key, clock=lambda: at)


def append(aws: Deployed, subject: str, count: int, at: datetime) -> list[Entry]:
    log = audit_log(aws, at)
    return [
        log.append(subject, actor="alice", role="support", action="customer.read")
        for _ in range(count)
    ]
