"""P2.2: a caller is recognised only as one of this deployment's: a guest or customer of its own
identity pool, or a member of staff in a staff role of the API's own account."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ongpt.platform.caller import Caller, Forbidden, caller
from tests.support.deployed import customer, guest, staff
from tests.support.events import IDENTITY_POOL, rest_event

OTHER_ACCOUNT = "999999999999"


def called_by(identity: dict[str, Any]) -> Caller:
    return caller(rest_event("GET", "/v1/policy", identity=identity), IDENTITY_POOL)


@pytest.mark.clause("P2.2")
def test_this_deployments_guests_customers_and_staff_are_recognised() -> None:
    sub = str(uuid.uuid4())
    visitor = guest()
    assert called_by(visitor) == Caller("guest", visitor["cognitoIdentityId"])
    assert called_by(customer(sub)) == Caller("customer", sub)
    assert called_by(staff("Support", "alice")) == Caller("staff", "alice", "support")


@pytest.mark.clause("P2.2")
@pytest.mark.parametrize(
    "identity",
    [
        {**guest(), "cognitoIdentityPoolId": "ap-southeast-1:another-pool"},
        {**customer(str(uuid.uuid4())), "cognitoIdentityPoolId": "ap-southeast-1:another-pool"},
        {**guest(), "accountId": OTHER_ACCOUNT},
        {**customer(str(uuid.uuid4())), "accountId": OTHER_ACCOUNT},
        {
            **staff("Support", "alice"),
            "userArn": f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/Support/alice",
            "accountId": OTHER_ACCOUNT,
        },
        {**staff("Support", "alice"), "accountId": None},
    ],
    ids=[
        "guest of another identity pool",
        "customer of another identity pool",
        "guest from another account",
        "customer from another account",
        "a Support role of another account",
        "no account",
    ],
)
def test_a_caller_of_another_identity_pool_or_account_is_refused(identity: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        called_by(identity)


@pytest.mark.clause("P2.2")
def test_no_identity_pool_configured_recognises_no_guest() -> None:
    event = rest_event("GET", "/v1/policy", identity=guest())
    with pytest.raises(Forbidden):
        caller(event, "")
