"""The local gateway's IAM evaluation: explicit Deny wins, wildcards as IAM reads them,
conditions evaluated as IAM evaluates them (never assumed), trust policies' principals."""

from __future__ import annotations

from typing import Any

import pytest

from local.conditions import Context, matches
from local.iam import Decision, api_gateway_decision, decide, resource_policy_decision

API = "arn:aws:execute-api:ap-southeast-1:123456789012:abc/prod"


def is_allowed(
    statements: list[dict[str, Any]], action: str, resource: str, context: Context | None = None
) -> bool:
    return decide(statements, action, resource, context) == "allow"


def allow(*resources: str, effect: str = "Allow") -> dict[str, object]:
    return {"Effect": effect, "Action": "execute-api:Invoke", "Resource": list(resources)}


def test_nothing_is_allowed_without_a_statement() -> None:
    assert not is_allowed([], "execute-api:Invoke", f"{API}/GET/v1/policy")


def test_a_star_matches_any_characters_including_slashes() -> None:
    statements = [allow(f"{API}/*/v1/me/*")]
    assert is_allowed(
        statements, "execute-api:Invoke", f"{API}/POST/v1/me/edit-requests/x/withdraw"
    )
    assert not is_allowed(statements, "execute-api:Invoke", f"{API}/GET/v1/me")
    assert not is_allowed(statements, "execute-api:Invoke", f"{API}/GET/v1/meals")


def test_methods_are_part_of_the_resource() -> None:
    statements = [allow(f"{API}/GET/v1/policy")]
    assert is_allowed(statements, "execute-api:Invoke", f"{API}/GET/v1/policy")
    assert not is_allowed(statements, "execute-api:Invoke", f"{API}/POST/v1/policy")


def test_an_explicit_deny_wins() -> None:
    statements = [allow(f"{API}/*"), allow(f"{API}/*/v1/staff/*", effect="Deny")]
    assert is_allowed(statements, "execute-api:Invoke", f"{API}/GET/v1/policy")
    assert not is_allowed(statements, "execute-api:Invoke", f"{API}/GET/v1/staff/audit")


def test_actions_match_case_insensitively_and_by_wildcard() -> None:
    statement = {"Effect": "Allow", "Action": "Execute-API:*", "Resource": "*"}
    assert is_allowed([statement], "execute-api:Invoke", f"{API}/GET/v1/policy")
    assert not is_allowed([statement], "s3:GetObject", "arn:aws:s3:::b/k")


def test_an_allow_applies_only_when_its_condition_holds() -> None:
    statement = {**allow(f"{API}/*"), "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    resource = f"{API}/GET/v1/policy"
    assert is_allowed([statement], "execute-api:Invoke", resource, {"aws:SecureTransport": "true"})
    assert not is_allowed(
        [statement], "execute-api:Invoke", resource, {"aws:SecureTransport": "false"}
    )
    assert not is_allowed([statement], "execute-api:Invoke", resource, {})


def test_a_deny_applies_only_when_its_condition_holds() -> None:
    """The queues' and buckets' TLS rule: deny when aws:SecureTransport is false."""
    deny = {
        **allow(f"{API}/*", effect="Deny"),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statements = [allow(f"{API}/*"), deny]
    resource = f"{API}/GET/v1/policy"
    assert (
        decide(statements, "execute-api:Invoke", resource, {"aws:SecureTransport": "true"})
        == "allow"
    )
    assert (
        decide(statements, "execute-api:Invoke", resource, {"aws:SecureTransport": "false"})
        == "explicit deny"
    )


def test_the_staff_trust_condition_compares_the_session_name_with_the_user_name() -> None:
    condition = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
    }
    alice = {"aws:username": "alice", "aws:MultiFactorAuthPresent": "true"}
    assert matches(condition, {**alice, "sts:RoleSessionName": "alice"})
    assert not matches(condition, {**alice, "sts:RoleSessionName": "bob"})
    assert not matches(
        condition, {**alice, "aws:MultiFactorAuthPresent": "false", "sts:RoleSessionName": "alice"}
    )
    # A role session has no aws:username: the variable cannot match anything.
    assert not matches(condition, {"aws:MultiFactorAuthPresent": "true", "sts:RoleSessionName": ""})


def test_the_identity_pool_trust_condition_reads_aud_and_any_amr() -> None:
    condition = {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": "pool-1"},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"},
    }
    guest = {
        "cognito-identity.amazonaws.com:aud": "pool-1",
        "cognito-identity.amazonaws.com:amr": ["unauthenticated"],
    }
    assert matches(condition, guest)
    assert not matches(condition, {**guest, "cognito-identity.amazonaws.com:aud": "pool-2"})
    customer = {**guest, "cognito-identity.amazonaws.com:amr": ["authenticated", "cognito-idp..."]}
    assert not matches(condition, customer)


def test_set_qualifiers_null_and_negated_operators_follow_iam() -> None:
    keys = {"kms:EncryptionContextKeys": ["customer_id"]}
    only_owners = {
        "Null": {"kms:EncryptionContextKeys": "false"},
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["customer_id", "complaint_id"]},
    }
    assert matches(only_owners, keys)
    assert not matches(only_owners, {"kms:EncryptionContextKeys": ["customer_id", "other"]})
    assert not matches(only_owners, {})  # ForAllValues alone would match a missing key
    assert matches({"StringNotEquals": {"aws:SourceAccount": "1"}}, {})  # negated: missing is true
    assert matches({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {})
    assert not matches(
        {"StringEquals": {"aws:SourceAccount": ["1", "2"]}}, {"aws:SourceAccount": "3"}
    )
    assert matches({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": "1.1"})
    assert matches(
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}, {"aws:SourceArn": "arn:aws:s3:::bucket"}
    )


def test_an_operator_not_modelled_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="not modelled"):
        matches({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {})


def test_a_trust_statement_names_who_may_assume_the_role() -> None:
    trust = [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        }
    ]
    role = "arn:aws:iam::123456789012:role/Support"
    alice = {"AWS": "arn:aws:iam::123456789012:user/alice"}
    eve = {"AWS": "arn:aws:iam::999999999999:user/eve"}
    web = {"Federated": "cognito-identity.amazonaws.com"}
    assert decide(trust, "sts:AssumeRole", role, {}, alice) == "allow"
    assert decide(trust, "sts:AssumeRole", role, {}, eve) == "implicit deny"
    assert decide(trust, "sts:AssumeRole", role, {}, web) == "implicit deny"
    assert decide(trust, "sts:AssumeRoleWithWebIdentity", role, {}, alice) == "implicit deny"


def test_api_gateway_combines_a_callers_policy_and_the_apis_resource_policy_as_documented() -> None:
    """Tables A and B of "How API Gateway resource policies affect authorization workflow": any
    explicit deny wins; the API's own account needs one allow, another account both."""
    outcomes: tuple[Decision, ...] = ("allow", "implicit deny", "explicit deny")
    for identity in outcomes:
        for resource in outcomes:
            same = api_gateway_decision(identity, resource, same_account=True)
            other = api_gateway_decision(identity, resource, same_account=False)
            if "explicit deny" in (identity, resource):
                assert same == other == "explicit deny"
            else:
                assert (same == "allow") == ("allow" in (identity, resource))
                assert (other == "allow") == (identity == resource == "allow")


def test_a_resource_policy_naming_the_owners_account_allows_nobody_in_it_by_itself() -> None:
    """An account principal delegates to the account's identity-based policies: it grants a
    caller of another account (which then needs its own allow too), not the owner's callers."""
    by_account = [{**allow(f"{API}/*"), "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]
    named = [{**allow(f"{API}/*"), "Principal": {"AWS": "arn:aws:iam::123456789012:role/R"}}]
    resource, own = f"{API}/GET/v1/policy", "arn:aws:iam::123456789012:role/R"
    foreign = "arn:aws:iam::999999999999:role/R"

    def decided(statements: list[dict[str, object]], caller: str | None) -> str:
        return resource_policy_decision(
            statements, "execute-api:Invoke", resource, {}, caller, "123456789012"
        )

    assert decided(by_account, own) == "implicit deny"
    assert decided(named, own) == "allow"
    assert decided([{**by_account[0], "Principal": {"AWS": "999999999999"}}], foreign) == "allow"
    assert decided(named, None) == "implicit deny"  # anonymous
    assert decided([{**allow(f"{API}/*"), "Principal": "*"}], None) == "allow"
