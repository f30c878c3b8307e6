"""The local runtime, started once per test session on free ports from the session's synthesis,
and sessions that sign their requests as the principals of API.md (helpers in
``tests/support/signed.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.client import LocalClient, SignedSession
from tests.support import contract
from tests.support.runtime import start_runtime
from tests.support.signed import register, sign_in


@pytest.fixture(scope="session", autouse=True)
def answers_as_documented() -> Iterator[None]:
    """Every signed request's answer held to ``docs/openapi.json``, as the integration tier's
    are: what a client of the local runtime sees, API Gateway's own refusals included."""
    request = SignedSession.request

    def checked(session: SignedSession, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = request(session, method, path, **kwargs)
        body = response.json() if response.content else None
        contract.check(method, urlsplit(path).path, response.status_code, body)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SignedSession, "request", checked)
        yield


@pytest.fixture(scope="session")
def local_runtime(
    assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalClient]:
    yield from start_runtime(assembly_dir, tmp_path_factory)


@pytest.fixture(scope="session")
def guest(local_runtime: LocalClient) -> SignedSession:
    return local_runtime.session(principal="guest")


# A customer of each module's own: what one module's tests leave behind (open edit requests, of
# which a customer may have three) never depends on which modules ran before it on its worker.
@pytest.fixture(scope="module")
def customer_tokens(local_runtime: LocalClient, guest: SignedSession) -> dict[str, Any]:
    """A customer who registered through the API and signed in with TOTP."""
    details = register(local_runtime, guest)
    return {**details, **sign_in(local_runtime, details["email"], details["password"])}


@pytest.fixture(scope="module")
def customer(local_runtime: LocalClient, customer_tokens: dict[str, Any]) -> SignedSession:
    return local_runtime.session(id_token=customer_tokens["tokens"]["IdToken"])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session; a clear failure when it is not installed."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_options

    options = launch_options()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**options)
        yield chromium
        chromium.close()
