"""CloudWatch Logs JSON filter patterns, as far as the security alarms use them, applied to a
log event: ``{ ... }`` with ``&&``, ``||`` and parentheses; property selectors ``$.a.b[0].c``;
``=`` and ``!=`` with a quoted string, in which ``*`` matches any text; ``IS TRUE``,
``IS FALSE``, ``EXISTS`` and ``NOT EXISTS``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).

A comparison with a property the event does not have matches nothing, whatever its operator:
the strict reading, the one that makes CIS's root-use filter need ``NOT EXISTS``. A pattern that
holds under it holds under the lenient reading too."""

from __future__ import annotations

import re
from typing import Any

TOKEN = re.compile(
    r'\s*(?:(?P<op>&&|\|\||\(|\)|!=|=)|(?P<text>"(?:[^"\\]|\\.)*")|'
    r"(?P<selector>\$(?:\.\w+|\[\d+\])+)|(?P<word>IS TRUE|IS FALSE|NOT EXISTS|EXISTS))"
)
MISSING = object()


def matches(pattern: str, event: dict[str, Any]) -> bool:
    """Whether the JSON filter ``pattern`` matches the log event."""
    body = pattern.strip()
    assert (body[:1], body[-1:]) == ("{", "}"), pattern
    tokens = _tokens(body[1:-1])
    found = _Parser(tokens, event).expression()
    assert not tokens, f"not understood: {tokens}"
    return found


def _tokens(text: str) -> list[str]:
    tokens, at = [], 0
    while text[at:].strip():
        token = TOKEN.match(text, at)
        assert token, f"not understood: {text[at:]!r}"
        tokens.append(token.group().strip())
        at = token.end()
    return tokens


class _Parser:
    """Recursive descent: ``||`` of ``&&`` of terms, as usual."""

    def __init__(self, tokens: list[str], event: dict[str, Any]) -> None:
        self.tokens, self.event = tokens, event

    def expression(self) -> bool:
        found = self.conjunction()
        while self.tokens[:1] == ["||"]:
            self.tokens.pop(0)
            found = self.conjunction() or found
        return found

    def conjunction(self) -> bool:
        found = self.term()
        while self.tokens[:1] == ["&&"]:
            self.tokens.pop(0)
            found = self.term() and found
        return found

    def term(self) -> bool:
        token = self.tokens.pop(0)
        if token == "(":
            found = self.expression()
            assert self.tokens.pop(0) == ")"
            return found
        value, test = _select(self.event, token), self.tokens.pop(0)
        match test:
            case "EXISTS" | "NOT EXISTS":
                return (value is not MISSING) == (test == "EXISTS")
            case "IS TRUE" | "IS FALSE":
                return value is (test == "IS TRUE")
        expected = self.tokens.pop(0)[1:-1]
        if value is MISSING or not isinstance(value, str):
            return False
        return _like(value, expected) == (test == "=")


def _like(value: str, expected: str) -> bool:
    """``expected`` matches ``value`` whole, each ``*`` in it any text."""
    return re.fullmatch(".*".join(map(re.escape, expected.split("*"))), value) is not None


def _select(event: dict[str, Any], selector: str) -> Any:
    """The value at ``$.a.b[0]``, or ``MISSING``."""
    value: Any = event
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", selector):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return MISSING
    return value
