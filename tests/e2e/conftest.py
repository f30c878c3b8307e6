"""The local runtime, started once per test session on free ports from the session's synthesis,
and clients that sign their requests as the principals of API.md."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.client import LocalClient, SignedSession
from local.cognito import UserPoolClient, totp_code

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def local_runtime(
    assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalClient]:
    yield from start_runtime(assembly_dir, tmp_path_factory)


def start_runtime(
    assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalClient]:
    """A local runtime of its own (``make run``'s server) on free ports, stopped afterwards."""
    workdir = tmp_path_factory.mktemp("local-runtime")
    port, aws_port = _free_port(), _free_port()
    log_path = workdir / "runtime.log"
    with log_path.open("w") as log:
        yield from _serve(assembly_dir, workdir, port, aws_port, log_path, log)


def _serve(
    assembly_dir: Path, workdir: Path, port: int, aws_port: int, log_path: Path, log: Any
) -> Iterator[LocalClient]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.server",
            "--assembly",
            str(assembly_dir),
            "--port",
            str(port),
            "--aws-port",
            str(aws_port),
        ],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    config_path = workdir / ".local" / "config.json"
    deadline = time.monotonic() + STARTUP_SECONDS
    while not config_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"local runtime did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    time.sleep(0.2)  # the file is written after the HTTP server started listening
    try:
        yield LocalClient.from_config(config_path)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def guest(local_runtime: LocalClient) -> SignedSession:
    return local_runtime.session(principal="guest")


def staff(local_runtime: LocalClient, role: str) -> SignedSession:
    return local_runtime.session(staff_role=role, staff_id=f"{role}-tester")


def register(local_runtime: LocalClient, guest: SignedSession, **fields: Any) -> dict[str, Any]:
    """A new customer through the API: register, read both codes, verify. Their details."""
    details = {
        "full_name": "Nguyễn Văn An",
        "phone": f"0967{random.randint(0, 999_999):06d}",  # noqa: S311 - test data
        "email": f"an.{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct-Horse-battery-9",
        **fields,
    }
    started = guest.request(
        "POST",
        "/v1/registrations",
        json_body={
            "full_name": details["full_name"],
            "phone": details["phone"],
            "email": details["email"],
            "consents": {
                "privacy_policy": "2024-10",
                "terms": "2024-10",
                "marketing": False,
                "product_updates": True,
            },
        },
    )
    assert started.status_code == 202, started.text
    details["registration_id"] = started.json()["registration_id"]
    details["e164"] = "+84" + re.sub(r"\D", "", details["phone"])[1:]
    verified = guest.request(
        "POST",
        f"/v1/registrations/{details['registration_id']}/verification",
        json_body={
            "email_code": latest_code(local_runtime, details["email"]),
            "phone_code": latest_code(local_runtime, details["e164"]),
            "password": details["password"],
        },
    )
    assert verified.status_code == 201, verified.text
    details["customer_id"] = verified.json()["customer_id"]
    return details


def arrived(
    local_runtime: LocalClient, address: str, count: int = 1, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """The messages to ``address``, once there are ``count`` (a worker sends registration codes
    a moment after the request) or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        messages = local_runtime.outbox(address)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.1)


def latest_code(local_runtime: LocalClient, address: str) -> str:
    messages = arrived(local_runtime, address)
    assert messages, f"nothing was sent to {address}"
    found = re.search(r"\b(\d{6})\b", messages[-1]["body"])
    assert found, "the last message holds no code"
    return found.group(1)


def sign_in(local_runtime: LocalClient, email: str, password: str) -> dict[str, Any]:
    """Enrol an authenticator app, then sign in with email, password and a TOTP code."""
    pool = UserPoolClient(local_runtime.config)
    secret = pool.enrol_totp(email, password)
    return {"secret": secret, "tokens": pool.sign_in(email, password, totp_code(secret))}


@pytest.fixture(scope="session")
def customer_tokens(local_runtime: LocalClient, guest: SignedSession) -> dict[str, Any]:
    """A customer who registered through the API and signed in with TOTP."""
    details = register(local_runtime, guest)
    return {**details, **sign_in(local_runtime, details["email"], details["password"])}


@pytest.fixture(scope="session")
def customer(local_runtime: LocalClient, customer_tokens: dict[str, Any]) -> SignedSession:
    return local_runtime.session(id_token=customer_tokens["tokens"]["IdToken"])


def unsigned(local_runtime: LocalClient, method: str, path: str) -> requests.Response:
    return requests.request(method, local_runtime.api_url + path, timeout=30)
