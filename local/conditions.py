"""IAM ``Condition`` blocks evaluated against a request's context keys, as IAM evaluates them.

The operator families our templates use: ``String*``, ``Arn*``, ``Bool``, ``Null``, ``Numeric*``,
with the ``...IfExists`` suffix, the ``ForAnyValue:`` / ``ForAllValues:`` set qualifiers and
policy variables (``${aws:username}``) in the policy's values. Any other operator is an error,
never a guess. Rules from the IAM User Guide, "IAM JSON policy elements: Condition operators":
every operator and every key of a block must match (AND), any value of one key may (OR); a key
missing from the request matches only ``Null: true``, ``...IfExists``, ``ForAllValues:`` and the
negated operators (``StringNotEquals``, ``ArnNotLike``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

Context = Mapping[str, str | Sequence[str]]

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}  # ${*}, ${?}, ${$}


@cache
def wildcard(glob: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """IAM wildcards: ``*`` any run of characters (``/`` included), ``?`` any one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{regex}$", 0 if case_sensitive else re.IGNORECASE)


def _number(value: str) -> float:
    return float(value)


_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda req, pol: req == pol,
    "StringEqualsIgnoreCase": lambda req, pol: req.lower() == pol.lower(),
    "StringLike": lambda req, pol: bool(wildcard(pol).match(req)),
    "ArnEquals": lambda req, pol: bool(wildcard(pol).match(req)),
    "ArnLike": lambda req, pol: bool(wildcard(pol).match(req)),
    "Bool": lambda req, pol: req.lower() == pol.lower(),
    "NumericEquals": lambda req, pol: _number(req) == _number(pol),
    "NumericLessThan": lambda req, pol: _number(req) < _number(pol),
    "NumericLessThanEquals": lambda req, pol: _number(req) <= _number(pol),
    "NumericGreaterThan": lambda req, pol: _number(req) > _number(pol),
    "NumericGreaterThanEquals": lambda req, pol: _number(req) >= _number(pol),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def _as_strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def _substitute(value: str, context: dict[str, list[str]]) -> str | None:
    """The policy value with its variables replaced; None if a variable is not in the request."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1).strip()
        if name in _LITERALS:
            return _LITERALS[name]
        found = context.get(name.lower())
        if not found or len(found) != 1:
            missing = True
            return ""
        return found[0]

    substituted = _VARIABLE.sub(replace, value)
    return None if missing else substituted


def _operator(name: str) -> tuple[str, str, bool]:
    """(set qualifier or "", base operator, IfExists) of an operator name."""
    qualifier, _, base = name.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"unknown condition set qualifier: {name}")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in _COMPARE and base not in _NEGATED and base != "Null":
        raise ValueError(f"condition operator not modelled locally: {name}")
    return qualifier, base, if_exists


def _key_matches(
    operator: str, key: str, policy_values: list[str], context: dict[str, list[str]]
) -> bool:
    qualifier, base, if_exists = _operator(operator)
    request_values = context.get(key.lower())
    if base == "Null":
        return (request_values is None) == (policy_values[0].lower() == "true")
    if request_values is None:
        return if_exists or qualifier == "ForAllValues" or base in _NEGATED
    compare = _COMPARE[_NEGATED.get(base, base)]
    resolved = [v for v in (_substitute(p, context) for p in policy_values) if v is not None]

    def matches(request_value: str) -> bool:
        hit = any(compare(request_value, policy_value) for policy_value in resolved)
        return not hit if base in _NEGATED else hit

    if qualifier == "ForAllValues":
        return all(matches(v) for v in request_values)
    return any(matches(v) for v in request_values)


def matches(condition: dict[str, Any], context: Context) -> bool:
    """Whether a statement's ``Condition`` block holds for a request with these context keys."""
    lowered = {k.lower(): _as_strings(v) for k, v in context.items()}
    return all(
        _key_matches(operator, key, _as_strings(values), lowered)
        for operator, block in condition.items()
        for key, values in block.items()
    )
