"""CORS through the local runtime, as deployed (infra/cors.py): the preflight is answered unsigned
for the page's origin only; API Gateway's own errors carry the origin; a function's answer carries
it because the function adds it (SITE_ORIGIN), not the gateway; any other origin gets nothing, so
the browser refuses to read."""

from __future__ import annotations

import pytest
import requests

from local.client import LocalClient, SignedSession

ELSEWHERE = "https://evil.example"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"


@pytest.mark.clause("P2.6")
def test_the_preflight_is_answered_unsigned_for_the_page_origin_only(
    local_runtime: LocalClient,
) -> None:
    site = local_runtime.config["web_url"]

    def preflight(origin: str) -> requests.Response:
        return requests.options(
            f"{local_runtime.api_url}/v1/me/sign-out",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,idempotency-key,x-amz-date",
            },
            timeout=30,
        )

    ours = preflight(site)
    assert ours.status_code == 204
    assert ours.headers[ALLOW_ORIGIN] == site
    assert "idempotency-key" in ours.headers["Access-Control-Allow-Headers"].split(",")
    assert ALLOW_ORIGIN not in preflight(ELSEWHERE).headers


def test_a_preflight_to_a_path_the_api_does_not_have_is_api_gateways_403(
    local_runtime: LocalClient,
) -> None:
    """Deployed, only the resources with methods get an OPTIONS method (infra/cors.py)."""
    site = local_runtime.config["web_url"]
    asks = {"Origin": site, "Access-Control-Request-Method": "GET"}
    unknown = requests.options(
        f"{local_runtime.api_url}/v1/no-such-thing", headers=asks, timeout=30
    )
    assert unknown.status_code == 403
    assert unknown.json() == {"message": "Missing Authentication Token"}
    assert unknown.headers[ALLOW_ORIGIN] == site  # the gateway response's headers
    templated = requests.options(
        f"{local_runtime.api_url}/v1/staff/contracts/c-1/renewal", headers=asks, timeout=30
    )
    assert templated.status_code == 204


def test_errors_and_answers_carry_the_page_origin_and_no_other(
    local_runtime: LocalClient, guest: SignedSession
) -> None:
    site = local_runtime.config["web_url"]
    refused = requests.get(f"{local_runtime.api_url}/v1/me", headers={"Origin": site}, timeout=30)
    assert (refused.status_code, refused.headers[ALLOW_ORIGIN]) == (403, site)  # the gateway's
    answered = guest.request("GET", "/v1/policy", headers={"Origin": site})
    assert (answered.status_code, answered.headers[ALLOW_ORIGIN]) == (200, site)  # the function's
    assert answered.headers["Vary"] == "Origin"
    elsewhere = guest.request("GET", "/v1/policy", headers={"Origin": ELSEWHERE})
    assert elsewhere.status_code == 200
    assert ALLOW_ORIGIN not in elsewhere.headers
