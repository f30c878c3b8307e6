"""The least-privilege check itself (``tests/support/least_privilege.py``): it reports what a role
allows but no call used, what a call used but no statement allows, and conditions as IAM does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.least_privilege import Comparison, Grant, Use, grants_of

TABLE = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/Idempotency"
KEY = "arn:aws:kms:ap-southeast-1:123456789012:key/data"


def grants(*statements: dict[str, Any]) -> list[Grant]:
    return [grant for statement in statements for grant in grants_of(statement, None)]


def allow(actions: list[str], resource: str, **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


def test_an_allowed_action_never_called_is_unused_and_a_call_not_allowed_is_missing() -> None:
    found = Comparison(
        {Use("dynamodb:GetItem", TABLE), Use("dynamodb:PutItem", TABLE)},
        grants(allow(["dynamodb:GetItem", "dynamodb:Scan"], TABLE)),
    )
    assert [str(g) for g in found.unused()] == [f"dynamodb:Scan {TABLE}"]
    assert found.missing() == [Use("dynamodb:PutItem", TABLE)]


def test_a_deny_makes_an_allowed_call_missing() -> None:
    publish = Use("sns:Publish", "arn:aws:sns:ap-southeast-1:123456789012:topic")
    deny = {"Effect": "Deny", "Action": "sns:Publish", "Resource": "arn:aws:sns:*"}
    found = Comparison({publish}, grants(allow(["sns:Publish"], "*"), deny))
    assert found.missing() == [publish]


def _opens(owner: str) -> Use:
    return Use("kms:Decrypt", KEY, (("kms:EncryptionContextKeys", owner),))


def test_each_owner_type_of_data_keys_must_be_used_and_no_other_is_allowed() -> None:
    statement = allow(
        ["kms:Decrypt"],
        KEY,
        Null={"kms:EncryptionContextKeys": "false"},
        **{"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["customer_id", "x"]}},
    )
    found = Comparison({_opens("customer_id"), _opens("complaint_id")}, grants(statement))
    assert [g.qualifier for g in found.unused()] == [("kms:EncryptionContextKeys", "x")]
    assert found.missing() == [_opens("complaint_id")]
    no_context = Use("kms:Decrypt", KEY)
    assert Comparison({no_context}, grants(statement)).missing() == [no_context]


@pytest.mark.parametrize(("leading", "allowed"), [("me#abc", True), ("analytics#abc", False)])
def test_idempotency_records_are_limited_to_the_functions_own_keys(
    leading: str, allowed: bool
) -> None:
    statement = allow(
        ["dynamodb:PutItem"],
        TABLE,
        **{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["me#*"]}},
    )
    put = Use("dynamodb:PutItem", TABLE, (("dynamodb:LeadingKeys", leading),))
    assert (Comparison({put}, grants(statement)).missing() == []) is allowed


def test_a_key_used_through_a_service_is_not_a_direct_use() -> None:
    via = {"StringEquals": {"kms:ViaService": "dynamodb.ap-southeast-1.amazonaws.com"}}
    statement = {**allow(["kms:Decrypt"], KEY), "Condition": via}
    through = Use(
        "kms:Decrypt", KEY, (("kms:ViaService", "dynamodb.ap-southeast-1.amazonaws.com"),)
    )
    direct = Use("kms:Decrypt", KEY)
    assert Comparison({through, direct}, grants(statement)).missing() == [direct]


def test_an_unknown_condition_key_fails_rather_than_passes() -> None:
    statement = allow(["kms:Decrypt"], KEY, StringEquals={"aws:SourceIp": "203.0.113.1"})
    with pytest.raises(ValueError, match="aws:SourceIp"):
        Comparison({Use("kms:Decrypt", KEY)}, grants(statement)).missing()
