"""Schemathesis against the OpenAPI document the local runtime serves: every operation, signed as
a principal allowed to call it, with valid and invalid data. No 5xx; every status, content type
and body as documented; invalid data refused (issue 8).

``make test`` runs a few derandomized examples per operation; ``make fuzz`` sets ``FUZZ_EXAMPLES``
and draws fresh random ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.schemas import OpenApiSchema

from local.client import LocalClient, SignedSession
from tests.support.api_md import API_MD_ROUTES
from tests.support.runtime import start_runtime
from tests.support.signed import register, sign_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def fuzz_runtime(
    assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalClient]:
    """A runtime of its own: fuzzed announcements and complaints reach no other test's outbox."""
    yield from start_runtime(assembly_dir, tmp_path_factory)


@pytest.fixture(scope="module")
def principals(fuzz_runtime: LocalClient) -> dict[str, SignedSession]:
    guest = fuzz_runtime.session(principal="guest")
    details = register(fuzz_runtime, guest)
    tokens = sign_in(fuzz_runtime, details["email"], details["password"])["tokens"]
    leaving = register(fuzz_runtime, guest)
    leaving_tokens = sign_in(fuzz_runtime, leaving["email"], leaving["password"])["tokens"]
    return {
        "guest": guest,
        "customer": fuzz_runtime.session(id_token=tokens["IdToken"]),
        "leaving": fuzz_runtime.session(id_token=leaving_tokens["IdToken"]),
        "admin": fuzz_runtime.session(staff_role="admin", staff_id="fuzzer"),
    }


@pytest.fixture(scope="module")
def api_schema(fuzz_runtime: LocalClient) -> OpenApiSchema:
    document = requests.get(f"{fuzz_runtime.api_url}/_local/openapi.json", timeout=30).json()
    schema = from_dict(document)
    schema.config.generation.update(with_security_parameters=False)  # signed per request
    return schema


def _signer(path: str) -> str:
    """Who may call ``path`` (API.md): staff routes as Admin, ``/v1/me`` as a customer, the
    closure as a customer of its own (a closing account is refused the other routes)."""
    if path.startswith("/v1/staff"):
        return "admin"
    if path == "/v1/me/closure":
        return "leaving"
    if path.startswith("/v1/me"):
        return "customer"
    return "guest"


# Schemathesis' own pytest loader reads a private attribute pytest 9.2 no longer has; its
# strategies under Hypothesis are the same generation, one test per operation.
@pytest.mark.clause("P2.6", "P4")
@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param(*route, id=" ".join(route)) for route in sorted(API_MD_ROUTES)],
)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_operation_conforms(
    method: str,
    path: str,
    mode: GenerationMode,
    api_schema: OpenApiSchema,
    principals: dict[str, SignedSession],
    fuzz_runtime: LocalClient,
) -> None:
    operation = api_schema[path][method]
    declared = operation.definition.raw
    if mode is GenerationMode.NEGATIVE and not (
        declared.get("parameters") or "requestBody" in declared
    ):
        pytest.skip("the operation takes no input to make invalid")
    with requests.Session() as session:
        session.auth = principals[_signer(path)].auth()

        @settings(
            max_examples=EXAMPLES,
            derandomize="FUZZ_EXAMPLES" not in os.environ,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def conforms(case: Case[Any]) -> None:
            case.call_and_validate(base_url=fuzz_runtime.api_url, session=session, checks=CHECKS)

        conforms()
