"""The local runtime's checks a browser meets: Cognito's SRP proof (moto accepts any, so
local/srp.py checks it as Cognito does, against the very client the page uses) and CORS for
the page's origin only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from local.cors import Cors
from local.srp import Challenge

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "tests" / "support" / "srp_client.cjs"
POOL_ID = "ap-southeast-1_abc123"
TIMESTAMP = "Wed Nov 25 21:30:00 UTC 2026"
PASSWORD = "correct-Horse-battery-9"


def _proof(challenge_for: str, password_typed: str) -> bool:
    """The page's SRP client proves ``password_typed``; the user's password is ``challenge_for``."""
    with subprocess.Popen(
        ["node", str(CLIENT), POOL_ID.split("_")[1]],
        cwd=ROOT / "web",
        env={"NODE_PATH": str(ROOT / "web" / "node_modules")},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as client:
        assert client.stdin is not None
        assert client.stdout is not None
        srp_a = client.stdout.readline().strip()
        challenge = Challenge.start(POOL_ID, "user-sub-1", challenge_for, srp_a)
        parameters = {**challenge.parameters(), "password": password_typed, "timestamp": TIMESTAMP}
        client.stdin.write(json.dumps(parameters) + "\n")
        client.stdin.flush()
        signature = client.stdout.readline().strip()
    return challenge.proven(TIMESTAMP, signature)


def test_srp_accepts_the_right_password_and_refuses_a_wrong_one() -> None:
    assert _proof(PASSWORD, PASSWORD)
    assert not _proof(PASSWORD, "wrong-Horse-battery-9")


def test_srp_refuses_an_a_of_zero() -> None:
    with pytest.raises(ValueError, match="SRP_A"):
        Challenge.start(POOL_ID, "user-sub-1", PASSWORD, "0")


def _request(method: str, origin: str, **headers: str) -> Request:
    sent: dict[str, str] = {"Origin": origin, **headers}
    builder = EnvironBuilder(method=method, path="/v1/me", headers=list(sent.items()))
    return Request(builder.get_environ())


def test_cors_preflight_is_answered_for_the_site_origin_only() -> None:
    cors = Cors("http://127.0.0.1:8081")
    asks = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    ours = _request("OPTIONS", "http://127.0.0.1:8081", **asks)
    other = _request("OPTIONS", "https://evil.example", **asks)
    allowed = cors.allow(ours, cors.preflight(ours))
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8081"
    assert "x-amz-security-token" in allowed.headers["Access-Control-Allow-Headers"]
    refused = cors.allow(other, cors.preflight(other))
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Headers" not in refused.headers


def test_answers_carry_cors_headers_only_for_the_site_origin() -> None:
    cors = Cors("http://127.0.0.1:8081")
    assert (
        cors.allow(_request("GET", "http://127.0.0.1:8081"), Response("{}")).headers[
            "Access-Control-Allow-Origin"
        ]
        == "http://127.0.0.1:8081"
    )
    assert (
        "Access-Control-Allow-Origin"
        not in cors.allow(_request("GET", "http://127.0.0.1:9999"), Response("{}")).headers
    )
    assert (
        "Access-Control-Allow-Origin"
        not in Cors(None).allow(_request("GET", "http://127.0.0.1:8081"), Response("{}")).headers
    )
