"""The region and the made-up credentials every test's AWS clients use (moto accepts any)."""

from __future__ import annotations

import pytest

REGION = "ap-southeast-1"
FAKE_AWS = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def use_fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's clients in ``REGION`` with the made-up credentials."""
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
