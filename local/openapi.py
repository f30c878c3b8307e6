"""The API's OpenAPI document, merged from the handlers' own Powertools resolvers, and Swagger UI
with the assets Powertools ships (no CDN needed).

``python -m local.openapi`` rewrites the committed document, ``docs/openapi.json``, from the
handlers' source; a test fails while it differs, so a contract change is a visible diff.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_lambda_powertools.event_handler as event_handler
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

from local.placeholders import placeholder_environment

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "openapi.json"
COMMITTED_SERVER = "http://127.0.0.1:8080"  # make run's default address (API.md)
SWAGGER_ASSETS = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"
SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "description": "AWS Signature Version 4 (service execute-api); see POST /_local/credentials.",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key and body returns the first response (API.md).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}
# Powertools documents its own 422 for validation; our handlers answer the contract's 400 instead.
POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def openapi_document(handlers: Iterable[ModuleType], api_url: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "OnGPT Accounts", "version": "v1"},
        "servers": [{"url": api_url}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {"sigv4": SIGV4}},
        "security": [{"sigv4": []}],
    }
    for handler in handlers:
        app = getattr(handler, "app", None)
        if not isinstance(app, APIGatewayRestResolver):
            continue
        part = json.loads(app.get_openapi_json_schema(title="OnGPT Accounts", version="v1"))
        for path, operations in part.get("paths", {}).items():
            document["paths"].setdefault(path, {}).update(
                {method: _as_served(method, operation) for method, operation in operations.items()}
            )
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if document["components"]["schemas"].setdefault(name, schema) != schema:
                raise ValueError(f"two different models are both called {name!r}")
    for name in POWERTOOLS_ONLY:
        document["components"]["schemas"].pop(name, None)
    return document


def _as_served(method: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation as the API answers it: no 422, no body with a 204 (Powertools documents the
    route's return annotation there too), and the Idempotency-Key header on POSTs."""
    operation["responses"].pop("422", None)
    operation["responses"].get("204", {}).pop("content", None)
    if method == "post":
        operation["parameters"] = [*operation.get("parameters", []), IDEMPOTENCY_KEY]
    return operation


def swagger_page(document: dict[str, Any]) -> str:
    spec = json.dumps(document).replace("</", "<\\/")
    js = (SWAGGER_ASSETS / "swagger-ui-bundle.min.js").read_text()
    css = (SWAGGER_ASSETS / "swagger-ui.min.css").read_text()
    return generate_swagger_html(spec, js, css, swagger_base_url="", oauth2_config=None)


def source_handlers() -> list[ModuleType]:
    """Every function's handler module, loaded from ``functions/`` as the synth packages it."""
    modules = []
    for path in sorted((ROOT / "functions").glob("*/handler.py")):
        spec = importlib.util.spec_from_file_location(f"lambda_{path.parent.name}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        with placeholder_environment():  # each handler checks its variables as it is imported
            spec.loader.exec_module(module)
        modules.append(module)
    return modules


def committed_text() -> str:
    """The document as committed: a fixed server address, sorted keys, one line per value."""
    document = openapi_document(source_handlers(), COMMITTED_SERVER)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    COMMITTED.write_text(committed_text(), encoding="utf-8")
    print(f"wrote {COMMITTED.relative_to(ROOT)}", file=sys.stderr)
