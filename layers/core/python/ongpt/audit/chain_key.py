"""The audit key (P2.5): a KMS HMAC key. Appenders key each entry's hash, and the anchor job
each anchor (``GenerateMac``); verifiers check a MAC (``VerifyMac``); a gateway to KMS, whose
refusals become answers."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ongpt.audit.models import Anchor, Entry
from ongpt.platform.telemetry import tracer

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient
    from mypy_boto3_kms.literals import MacAlgorithmSpecType

MAC_ALGORITHM: MacAlgorithmSpecType = "HMAC_SHA_256"


class ChainKey:
    """The audit key (KMS HMAC): appenders key each entry's hash, the anchor job each anchor,
    verifiers check a MAC."""

    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    @tracer.capture_method
    def mac(self, message_hash: str) -> str:
        """The audit key's MAC (base64) of a hash (hex): an entry's, or an anchor's."""
        mac = self._kms.generate_mac(
            KeyId=self._key_id, MacAlgorithm=MAC_ALGORITHM, Message=bytes.fromhex(message_hash)
        )["Mac"]
        return base64.b64encode(mac).decode()

    def keyed(self, anchor: Anchor) -> Anchor:
        """The anchor with its ``anchor_mac``."""
        return replace(anchor, anchor_mac=self.mac(anchor.computed_hash()))

    def valid(self, entry: Entry) -> bool:
        """Whether ``entry.mac`` is the audit key's MAC of its hash."""
        return self.verifies(entry.hash, entry.mac)

    def valid_anchor(self, anchor: Anchor) -> bool:
        """Whether ``anchor.anchor_mac`` is the audit key's MAC of the anchor."""
        return self.verifies(anchor.computed_hash(), anchor.anchor_mac)

    @tracer.capture_method
    def verifies(self, message_hash: str, mac_b64: str) -> bool:
        """Whether ``mac_b64`` is the audit key's MAC of the hash (KMS ``VerifyMac``)."""
        try:
            message, mac = bytes.fromhex(message_hash), base64.b64decode(mac_b64, validate=True)
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
