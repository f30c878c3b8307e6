"""Evaluates a role's synthesized IAM policies for one action on one resource, as IAM does:
an explicit Deny wins, then any Allow, else the implicit deny."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from local.template import Resolver, Template


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@cache
def _pattern(glob: str, case_sensitive: bool) -> re.Pattern[str]:
    """IAM wildcards: ``*`` any run of characters (``/`` included), ``?`` any one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{regex}$", 0 if case_sensitive else re.IGNORECASE)


def _matches(patterns: list[str], value: str, *, case_sensitive: bool) -> bool:
    return any(_pattern(p, case_sensitive).match(value) for p in patterns)


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


def _applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Condition" in statement:  # not evaluated here: an Allow with conditions never applies
        return bool(statement["Effect"] == "Deny")
    if "Action" in statement:
        action_ok = _matches(_as_list(statement["Action"]), action, case_sensitive=False)
    else:
        action_ok = not _matches(_as_list(statement["NotAction"]), action, case_sensitive=False)
    if "Resource" in statement:
        resource_ok = _matches(_as_list(statement["Resource"]), resource, case_sensitive=True)
    else:
        resource_ok = not _matches(
            _as_list(statement["NotResource"]), resource, case_sensitive=True
        )
    return action_ok and resource_ok


def is_allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    applicable = [s for s in statements if _applies(s, action, resource)]
    if any(s["Effect"] == "Deny" for s in applicable):
        return False
    return any(s["Effect"] == "Allow" for s in applicable)
