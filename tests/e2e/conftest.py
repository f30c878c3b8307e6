"""The local runtime, started once per test session on free ports from the session's synthesis,
and clients that sign their requests as the principals of API.md."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
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


@pytest.fixture(scope="session")
def customer_tokens(local_runtime: LocalClient) -> dict[str, Any]:
    """A customer who signed in with email, password and TOTP (made directly in the user pool
    until registration lands)."""
    config = local_runtime.config
    email, password = f"an.{uuid.uuid4().hex[:8]}@example.com", "correct-Horse-battery-9"
    idp = boto3.client(
        "cognito-idp",
        region_name=config["region"],
        endpoint_url=config["aws_endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    idp.admin_create_user(
        UserPoolId=config["user_pool_id"],
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": "+84967915569"},
            {"Name": "phone_number_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=config["user_pool_id"], Username=email, Password=password, Permanent=True
    )
    pool = UserPoolClient(config)
    secret = pool.enrol_totp(email, password)
    return {
        "email": email,
        "password": password,
        "secret": secret,
        "tokens": pool.sign_in(email, password, totp_code(secret)),
    }


@pytest.fixture(scope="session")
def customer(local_runtime: LocalClient, customer_tokens: dict[str, Any]) -> SignedSession:
    return local_runtime.session(id_token=customer_tokens["tokens"]["IdToken"])


def unsigned(local_runtime: LocalClient, method: str, path: str) -> requests.Response:
    return requests.request(method, local_runtime.api_url + path, timeout=30)
