"""Evaluates IAM policies for one action on one resource, as IAM does: an explicit Deny wins,
then any Allow, else the implicit deny. Conditions are evaluated against the request's context
keys (``local.conditions``); a trust policy's ``Principal`` is matched against the caller."""

from __future__ import annotations

from typing import Any, Literal

from local.conditions import Context, matches, wildcard
from local.template import Resolver, Template

Decision = Literal["allow", "explicit deny", "implicit deny"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(patterns: list[str], value: str, *, case_sensitive: bool) -> bool:
    return any(wildcard(p, case_sensitive).match(value) for p in patterns)


def role_statements(template: Template, resolver: Resolver, role_id: str) -> list[dict[str, Any]]:
    """Every statement of the policies attached to the role, resolved to local ARNs."""
    documents = [
        props["PolicyDocument"]
        for _, props in template.of_type("AWS::IAM::Policy")
        if {"Ref": role_id} in props.get("Roles", [])
    ]
    role = template.resources[role_id].get("Properties", {})
    documents += [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    return [resolver.resolve(s) for doc in documents for s in _as_list(doc["Statement"])]


def trust_statements(template: Template, resolver: Resolver, role_id: str) -> list[dict[str, Any]]:
    """The statements of the role's trust policy, resolved to local values."""
    document = template.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]
    return [resolver.resolve(s) for s in _as_list(document["Statement"])]


def _principal_ok(statement: dict[str, Any], caller: dict[str, str] | None) -> bool:
    """A trust statement's ``Principal``: ``*``, the caller's ARN, its account (``:root``) or
    its web identity provider (``Federated``)."""
    if "Principal" not in statement:
        return True
    named = statement["Principal"]
    if named == "*":
        return True
    if caller is None:
        return False
    for kind, value in caller.items():
        for candidate in _as_list(named.get(kind, [])):
            account = value.split(":")[4] if kind == "AWS" else None
            if candidate in ("*", value) or candidate in (account, f"arn:aws:iam::{account}:root"):
                return True
    return False


def _applies(
    statement: dict[str, Any],
    action: str,
    resource: str,
    context: Context,
    caller: dict[str, str] | None,
) -> bool:
    if "Action" in statement:
        action_ok = _matches(_as_list(statement["Action"]), action, case_sensitive=False)
    else:
        action_ok = not _matches(_as_list(statement["NotAction"]), action, case_sensitive=False)
    if "Resource" in statement:
        resource_ok = _matches(_as_list(statement["Resource"]), resource, case_sensitive=True)
    elif "NotResource" in statement:
        resource_ok = not _matches(
            _as_list(statement["NotResource"]), resource, case_sensitive=True
        )
    else:  # a trust policy: the resource is the role itself
        resource_ok = True
    return (
        action_ok
        and resource_ok
        and _principal_ok(statement, caller)
        and matches(statement.get("Condition", {}), context)
    )


def decide(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: Context | None = None,
    caller: dict[str, str] | None = None,
) -> Decision:
    applicable = [s for s in statements if _applies(s, action, resource, context or {}, caller)]
    if any(s["Effect"] == "Deny" for s in applicable):
        return "explicit deny"
    return "allow" if any(s["Effect"] == "Allow" for s in applicable) else "implicit deny"


def _delegates(statement: dict[str, Any], account: str) -> bool:
    """An Allow whose principal is the account itself, nobody in it by name."""
    named = statement.get("Principal")
    principals = _as_list(named.get("AWS", [])) if isinstance(named, dict) else []
    return (
        statement["Effect"] == "Allow"
        and principals != []
        and all(p in (account, f"arn:aws:iam::{account}:root") for p in principals)
    )


def resource_policy_decision(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: Context,
    principal_arn: str | None,
    owner_account: str,
) -> Decision:
    """A resource-based policy's decision for the principal ``principal_arn`` (a user or role
    ARN; None: anonymous). An Allow naming the owner's own account delegates to that account's
    identity-based policies and allows none of its principals by itself (IAM User Guide, "AWS
    JSON policy elements: Principal", AWS account principals,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)."""
    account = principal_arn.split(":")[4] if principal_arn else None
    if account == owner_account:
        statements = [s for s in statements if not _delegates(s, owner_account)]
    caller = {"AWS": principal_arn} if principal_arn else None
    return decide(statements, action, resource, context, caller)


def api_gateway_decision(identity: Decision, resource: Decision, same_account: bool) -> Decision:
    """API Gateway's outcome of a caller's IAM policy and the API's resource policy: any explicit
    deny refuses; a caller of the API's own account needs either to allow, another account's
    both ("How API Gateway resource policies affect authorization workflow", tables A and B,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html)."""
    if "explicit deny" in (identity, resource):
        return "explicit deny"
    allows = (identity, resource).count("allow")
    return "allow" if allows == 2 or (same_account and allows == 1) else "implicit deny"
