"""The committed OpenAPI document (issue 13, item 3): generated from the handlers, and a typed
contract, with a schema for every success response."""

from __future__ import annotations

import json
from typing import Any

from local.openapi import COMMITTED, committed_text

NO_CONTENT = "204"
REGENERATE = "python -m local.openapi  (with PYTHONPATH=.:layers/core/python)"


def _committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return document


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _successes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every 2xx response's JSON schema, keyed ``METHOD path status`` (a 204 has no body)."""
    return {
        f"{method.upper()} {path} {status}": response["content"]["application/json"]["schema"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith("2") and status != NO_CONTENT
    }


def _no_content(document: dict[str, Any]) -> int:
    return sum(
        NO_CONTENT in operation["responses"]
        for operations in document["paths"].values()
        for operation in operations.values()
    )


def test_the_committed_openapi_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == committed_text(), (
        f"docs/openapi.json differs from the handlers' document; regenerate it: {REGENERATE}"
    )


def test_every_success_response_has_a_schema_with_named_fields() -> None:
    document = _committed()
    successes = _successes(document)
    operations = sum(len(operations) for operations in document["paths"].values())
    assert len(successes) == operations - _no_content(document)
    untyped = [
        route
        for route, schema in successes.items()
        if not _resolved(document, schema).get("properties")
    ]
    assert untyped == []


def test_the_consents_answer_is_documented_as_api_md_gives_it() -> None:
    document = _committed()
    answer = _resolved(document, _successes(document)["GET /v1/me/consents 200"])
    consent = _resolved(document, answer["properties"]["consents"]["items"])
    assert {"purpose", "granted", "updated_at"} <= set(consent["required"])
    assert consent["properties"]["granted"]["type"] == "boolean"


def test_the_export_documents_every_part_api_md_names() -> None:
    document = _committed()
    export = _resolved(document, _successes(document)["GET /v1/me/export 200"])
    assert set(export["required"]) == {
        "profile",
        "consents",
        "edit_requests",
        "contracts",
        "notifications",
        "complaints",
        "disclosures",
        "access_log",
    }
