"""The local gateway's IAM evaluation: explicit Deny wins, wildcards as IAM reads them."""

from __future__ import annotations

from local.iam import is_allowed

API = "arn:aws:execute-api:ap-southeast-1:123456789012:abc/prod"


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


def test_an_allow_with_conditions_is_not_assumed_to_apply() -> None:
    statement = {**allow(f"{API}/*"), "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert not is_allowed([statement], "execute-api:Invoke", f"{API}/GET/v1/policy")
