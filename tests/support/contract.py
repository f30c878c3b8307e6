"""Every answer the tests get, held to the committed OpenAPI document (``docs/openapi.json``):
its status is one the operation documents, and its body is the documented schema, with no
property the schema does not name (an internal attribute can never ride along). The integration
tier checks the handlers' answers, the end-to-end tier the local runtime's."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from jsonschema import Draft202012Validator

from local.openapi import COMMITTED


@functools.cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for schema in document["components"]["schemas"].values():
        _close(schema)
    return document


def _close(schema: Any) -> None:
    """Objects that name their properties admit no others."""
    if isinstance(schema, dict):
        if "properties" in schema:
            schema.setdefault("additionalProperties", False)
        for value in schema.values():
            _close(value)
    elif isinstance(schema, list):
        for value in schema:
            _close(value)


@functools.cache
def _operations() -> list[tuple[str, re.Pattern[str], str]]:
    return [
        (method.upper(), re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path)
        for path, item in _document()["paths"].items()
        for method in item
    ]


def check(method: str, path: str, status: int, body: Any) -> None:
    """Raise ``AssertionError`` unless the answer is one the document gives for the call."""
    found = [
        template
        for verb, pattern, template in _operations()
        if verb == method and pattern.match(path)
    ]
    if not found:  # no operation: API Gateway's own 403, or the router's 404 in-process
        refusal = {403: "Refusal", 404: "ErrorBody"}.get(status)
        assert refusal, f"{method} {path} is not in the OpenAPI document, yet {status}"
        _validate(f"{method} {path} {status}", {"$ref": f"#/components/schemas/{refusal}"}, body)
        return
    template = min(found, key=lambda t: t.count("{"))  # a literal segment wins over a parameter
    responses = _document()["paths"][template][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {template} answered {status}, not documented"
    content = responses[str(status)].get("content", {}).get("application/json")
    if content is None:
        return
    _validate(f"{method} {template} {status}", content["schema"], body)


def _validate(answer: str, schema: dict[str, Any], body: Any) -> None:
    rooted = {**schema, "components": _document()["components"]}
    errors = sorted(Draft202012Validator(rooted).iter_errors(body), key=str)
    assert not errors, f"{answer}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors[:5]
    )
