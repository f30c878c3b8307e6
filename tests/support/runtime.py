"""The local runtime (``make run``'s server) in a process of its own, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import add
from pathlib import Path
from typing import Any, Generic, TypeVar

import boto3
import pytest
import requests
from botocore.config import Config

from local.client import LocalClient
from local.pool import DEFAULT_CONCURRENCY
from local.template import Template

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
LAYER = Path("layers/core/python")
STARTUP_SECONDS = 60
STOP_SECONDS = 10


def python_path() -> str:
    """This tree and its shared package first (whichever checkout the virtualenv's editable
    install points at), then what the caller's PYTHONPATH adds."""
    extra = filter(None, [os.environ.get("PYTHONPATH")])
    return os.pathsep.join([str(ROOT), str(ROOT / LAYER), *extra])


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
            env={**os.environ, "PYTHONPATH": python_path()},
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


def start_runtime(
    assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalClient]:
    """A local runtime of its own, on free ports, stopped afterwards."""
    with served(assembly_dir, tmp_path_factory.mktemp("local-runtime")) as (_, client):
        yield client


@contextmanager
def overlap(local_runtime: LocalClient) -> Iterator[dict[str, int]]:
    """The most invocations of each function (by logical id) that ran at once in the block:
    how a race test shows that its requests raced."""
    url = f"{local_runtime.api_url}/_local/concurrency"
    requests.delete(url, timeout=30).raise_for_status()
    peaks: dict[str, int] = {}
    yield peaks
    functions = requests.get(url, timeout=30).json()["functions"]
    peaks.update({logical_id: f["peak"] for logical_id, f in functions.items()})


def run_job(local_runtime: LocalClient, name: str, now: str) -> dict[str, Any]:
    """The scheduled function ``name`` run by the runtime (``POST /_local/jobs``), as its
    schedule would at ``now`` (RFC 3339), then by its continuation schedule while it answers
    that passes are left (``more``): its counts (and lists) added up over the invocations."""
    answers = [_scheduled(local_runtime, name, now)]
    while answers[-1].get("more"):
        from infra.jobs import CONTINUATION  # the CDK, imported only by a job left unfinished

        answers.append(_scheduled(local_runtime, name + CONTINUATION, now))
    return {
        key: answers[-1][key] if isinstance(value, bool) else reduce(add, (a[key] for a in answers))
        for key, value in answers[0].items()
    }


def _scheduled(local_runtime: LocalClient, name: str, now: str) -> dict[str, Any]:
    answer = requests.post(
        f"{local_runtime.api_url}/_local/jobs/{name}", json={"now": now}, timeout=120
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def serving(assembly_dir: Path, method: str, path: str) -> str:
    """The logical id of the function behind a route (``/v1/x/{id}`` as in the template)."""
    routes = Template.load(assembly_dir).api_routes()
    return next(r.function_id for r in routes if (r.method, r.path) == (method, path))


def aws_client(local_runtime: LocalClient, service: str, config: Config | None = None) -> Any:
    """A boto3 client of the runtime's moto server, to look at what the functions stored."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name=local_runtime.config["region"],
        endpoint_url=local_runtime.config["aws_endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=config,
    )


class Held:
    """A hold on the runtime's moto (``local/holds.py``): the calls it has stopped so far."""

    def __init__(self, url: str) -> None:
        self.url = url

    def arrived(self) -> int:
        return int(requests.get(self.url, timeout=30).json()["arrived"])

    def until_arrived(self, calls: int = 1, seconds: float = 20.0) -> None:
        """Wait until ``calls`` calls are stopped at the hold (a request reached its write)."""
        deadline = time.monotonic() + seconds
        while self.arrived() < calls:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {calls} call(s) reached the hold in {seconds} s")
            time.sleep(0.02)


@contextmanager
def held(
    local_runtime: LocalClient, operation: str, contains: str = "", times: int = 1
) -> Iterator[Held]:
    """The next ``times`` calls of the AWS ``operation`` whose body contains ``contains`` wait
    at moto until the block ends: a request paused between its read and its write."""
    url = f"{local_runtime.api_url}/_local/holds"
    body = {"operation": operation, "contains": contains, "times": times}
    created = requests.post(url, json=body, timeout=30)
    created.raise_for_status()
    hold = Held(f"{url}/{created.json()['hold_id']}")
    try:
        yield hold
    finally:
        requests.delete(hold.url, timeout=30)


@dataclass
class Paused(Generic[T]):
    """A request stopped at moto before its write (``paused``): its answer, once it has one."""

    answer: Future[T]
    hold: Held

    def go_on(self) -> None:
        """Let its held call run now, before the block ends."""
        requests.delete(self.hold.url, timeout=30)


@contextmanager
def paused(
    local_runtime: LocalClient, operation: str, contains: str, call: Callable[[], T]
) -> Iterator[Paused[T]]:
    """``call`` (a request) run in a thread and stopped at moto at its first ``operation`` whose
    body contains ``contains``: between its read and its write, while the block runs others. It
    goes on at ``go_on`` or when the block ends (or by itself after ``local/holds.py``'s
    longest hold)."""
    with ThreadPoolExecutor(1) as pool, held(local_runtime, operation, contains) as hold:
        future = pool.submit(call)
        hold.until_arrived(seconds=60)  # a job may have others' work to do before
        yield Paused(future, hold)


def at_once(
    calls: Sequence[Callable[[], T]], first_answered: Callable[[], None] = lambda: None
) -> list[T]:
    """Each call in a thread of its own, all let go together by a barrier: their answers, in
    order. ``first_answered`` runs as soon as one has answered (a paused request let go on once
    the race has had a winner, so that it is not held for long)."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        wait(futures, return_when=FIRST_COMPLETED)
        first_answered()
        return [future.result() for future in futures]


def warmed(call: Callable[[], Any]) -> None:
    """``call`` (a request that changes nothing) made by as many invocations at once as a
    function has execution environments (``local/pool.py``), so that a race that follows is not
    slowed by their cold starts past the runtime's longest hold."""
    at_once([call] * DEFAULT_CONCURRENCY)


@contextmanager
def chaos_mode(local_runtime: LocalClient, settings: str) -> Iterator[None]:
    """The runtime's moto answers with the chaos ``settings`` ask for (``local/chaos.py``)
    until the block ends."""
    url = f"{local_runtime.api_url}/_local/chaos"
    before = requests.get(url, timeout=30).json()["settings"]
    requests.put(url, json={"settings": settings}, timeout=30).raise_for_status()
    try:
        yield
    finally:
        requests.put(url, json={"settings": before}, timeout=30)
