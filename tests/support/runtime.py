"""The local runtime (``make run``'s server) in a process of its own, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from local.client import LocalClient

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
STOP_SECONDS = 10


def _python_path() -> list[str]:
    return [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(assembly_dir: Path, workdir: Path) -> Iterator[tuple[float, LocalClient]]:
    """The runtime on free ports, working in ``workdir`` (its output in ``runtime.log`` there):
    the seconds from its start to serving, and a client. Stopped afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / ".local" / "config.json"
    config_path.unlink(missing_ok=True)
    log_path = workdir / "runtime.log"
    with log_path.open("w") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.server",
                "--assembly",
                str(assembly_dir.resolve()),
                "--port",
                str(free_port()),
                "--aws-port",
                str(free_port()),
                "--web-port",
                str(free_port()),
            ],
            cwd=workdir,
            # This tree first, then the caller's path (a work tree may name its own ``ongpt``).
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *_python_path()])},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while not config_path.exists():
                if process.poll() is not None or time.monotonic() - started > STARTUP_SECONDS:
                    raise RuntimeError(f"local runtime did not start:\n{log_path.read_text()}")
                time.sleep(0.05)
            took = time.monotonic() - started
            time.sleep(0.2)  # the file is written just after the server started listening
            yield took, LocalClient.from_config(config_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:  # a loaded machine; it holds nothing worth keeping
                process.kill()
                process.wait()


def aws_client(local_runtime: LocalClient, service: str) -> Any:
    """A boto3 client of the runtime's moto server, to look at what the functions stored."""
    config = local_runtime.config
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name=config["region"],
        endpoint_url=config["aws_endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
