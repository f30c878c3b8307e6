"""P2.1: sealed fields open only with their key, owner and field; data keys are cached boundedly."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

import pytest

from ongpt.security import codes
from ongpt.security.crypto import DataKeys, TamperedCiphertext, seal, unseal

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient


KEY = os.urandom(32)


@pytest.mark.clause("P2.1")
def test_a_sealed_field_opens_with_its_key_owner_and_field() -> None:
    token = seal(KEY, "customer-1", "full_name", "Nguyễn Văn An")
    assert "Nguyễn" not in token
    assert unseal(KEY, "customer-1", "full_name", token) == "Nguyễn Văn An"


@pytest.mark.clause("P2.1")
@pytest.mark.parametrize(
    ("key", "owner", "field"),
    [
        (os.urandom(32), "customer-1", "full_name"),
        (KEY, "customer-2", "full_name"),
        (KEY, "customer-1", "email"),
    ],
    ids=["another key", "another customer", "another field"],
)
def test_a_sealed_field_does_not_open_elsewhere(key: bytes, owner: str, field: str) -> None:
    token = seal(KEY, "customer-1", "full_name", "Nguyễn Văn An")
    with pytest.raises(TamperedCiphertext):
        unseal(key, owner, field, token)


@pytest.mark.clause("P2.1")
def test_each_seal_uses_a_fresh_nonce() -> None:
    assert seal(KEY, "c", "f", "same") != seal(KEY, "c", "f", "same")


class FakeKms:
    def __init__(self) -> None:
        self.decrypts = 0

    def generate_data_key(self, **_: Any) -> dict[str, bytes]:
        return {"Plaintext": os.urandom(32), "CiphertextBlob": os.urandom(64)}

    def decrypt(self, **_: Any) -> dict[str, bytes]:
        self.decrypts += 1
        return {"Plaintext": b"k" * 32}


@pytest.mark.clause("P2.1")
def test_data_keys_are_opened_once_while_warm_per_owner() -> None:
    kms = FakeKms()
    keys = DataKeys(cast("KMSClient", kms), "key")
    blob = os.urandom(64)
    keys.open(blob, {"customer_id": "a"})
    keys.open(blob, {"customer_id": "a"})
    assert kms.decrypts == 1
    keys.open(blob, {"customer_id": "b"})  # another context is another key to KMS
    assert kms.decrypts == 2


@pytest.mark.clause("P2.1")
def test_the_key_cache_is_bounded() -> None:
    keys = DataKeys(cast("KMSClient", FakeKms()), "key")
    for i in range(1000):
        keys.open(os.urandom(64), {"customer_id": str(i)})
    assert len(keys._cache) <= 256


@pytest.mark.clause("P1.2", "P2.1")
def test_codes_are_six_digits_and_checked_by_keyed_hash() -> None:
    code = codes.new_code()
    assert len(code) == 6
    assert code.isdigit()
    stored = codes.code_hash(KEY, "r1|email", code)
    assert code not in stored
    assert codes.matches(KEY, "r1|email", code, stored)
    assert not codes.matches(KEY, "r1|phone", code, stored)  # bound to its purpose
    assert not codes.matches(os.urandom(32), "r1|email", code, stored)
