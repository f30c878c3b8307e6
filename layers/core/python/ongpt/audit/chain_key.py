"""The audit key (P2.5): a KMS HMAC key. Appenders key each entry's hash (``GenerateMac``),
verifiers check a key (``VerifyMac``); a gateway to KMS, whose refusals become answers."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ongpt.audit.service import Entry
from ongpt.platform.telemetry import tracer

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_kms.literals import MacAlgorithmSpecType

MAC_ALGORITHM: MacAlgorithmSpecType = "HMAC_SHA_256"


class ChainKey:
    """The audit key (KMS HMAC): appenders key each entry's hash, verifiers check a key."""

    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    @tracer.capture_method
    def mac(self, entry_hash: str) -> str:
        mac = self._kms.generate_mac(
            KeyId=self._key_id, MacAlgorithm=MAC_ALGORITHM, Message=bytes.fromhex(entry_hash)
        )["Mac"]
        return base64.b64encode(mac).decode()

    @tracer.capture_method
    def valid(self, entry: Entry) -> bool:
        """Whether ``entry.mac`` is the audit key's MAC of its hash (KMS ``VerifyMac``)."""
        try:
            message, mac = bytes.fromhex(entry.hash), base64.b64decode(entry.mac, validate=True)
        except (ValueError, binascii.Error):
            return False
        if not mac:
            return False
        try:
            self._kms.verify_mac(
                KeyId=self._key_id, MacAlgorithm=MAC_ALGORITHM, Message=message, Mac=mac
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "KMSInvalidMacException":
                return False
            raise
        return True
