"""Fault injection at the AWS calls a flow makes: record the calls of a clean run, then fail one of
them as botocore raises a failure once its own retries are spent (issue 8): the n-th call, or the
first call of an operation from a call site (the code's own frames that led to it)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ReadTimeoutError

# The failure each service gives when it is overloaded or broken (a throttle, a KMS, SES or
# Cognito error, S3 asking to slow down); every call can also time out.
SERVICE_ERRORS = {
    "dynamodb": "ProvisionedThroughputExceededException",
    "kms": "KMSInternalException",
    "sesv2": "TooManyRequestsException",
    "sns": "Throttled",
    "sqs": "RequestThrottled",
    "s3": "SlowDown",
    "cognito-idp": "InternalErrorException",
}


EVENT_SOURCE_CALLS = ("dynamodbstreams.",)
ROOT = Path(__file__).resolve().parents[2]
CODE = (str(ROOT / "layers/core/python/ongpt") + "/", str(ROOT / "functions") + "/")


def call_site() -> str:
    """Where the code made the AWS call being made: its own frames (the shared package's and the
    functions'), innermost first, as ``path:line``; empty if none (a test's own call)."""
    frames = []
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.startswith(CODE):
            path = Path(frame.f_code.co_filename).relative_to(ROOT)
            frames.append(f"{path}:{frame.f_lineno}")
        frame = frame.f_back  # type: ignore[assignment]
    return " < ".join(frames)


ANSWER_LOST = "answer lost"  # a fault's kind: the call was served, its answer lost


def sends_once(client: BaseClient) -> bool:
    """Whether the client's SDK makes one attempt of its own, so that it never sends a call
    again after a timeout."""
    retries: dict[str, Any] = getattr(client.meta.config, "retries", None) or {}
    return retries.get("total_max_attempts") == 1


@dataclass(frozen=True)
class Fault:
    call: int  # 0-based position among the flow's AWS calls
    operation: str  # "kms.Decrypt"
    kind: str  # an error code, "timeout", or ``ANSWER_LOST``
    site: str | None = None  # if given, the first call of ``operation`` from there fails

    def error(self) -> Exception:
        if self.kind == "timeout":
            return ReadTimeoutError(endpoint_url=f"https://{self.operation}.amazonaws.com")
        return ClientError(
            {"Error": {"Code": self.kind, "Message": "injected"}}, self.operation.split(".")[1]
        )

    def __str__(self) -> str:
        return f"#{self.call} {self.operation} {self.kind}"

    def hits(self, position: int, operation: str, site: str) -> bool:
        if self.site is None:
            return position == self.call
        return (operation, site) == (self.operation, self.site)


@dataclass
class CallLog:
    """Every AWS call made while installed, and where from; ``fail`` makes one of them raise
    instead (once: ``failed`` says whether it did)."""

    calls: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    fail: Fault | None = None
    failed: bool = False

    @contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[CallLog]:
        real = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore
        log = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            name = f"{client.meta.service_model.service_name}.{operation}"
            if name.startswith(EVENT_SOURCE_CALLS):  # Lambda's stream poller's, not a function's
                return real(client, operation, params)
            position, site = len(log.calls), call_site()
            log.calls.append(name)
            log.sites.append(site)
            if log.fail is not None and not log.failed and log.fail.hits(position, name, site):
                log.failed = True
                if log.fail.kind != ANSWER_LOST:
                    raise log.fail.error()
                # Served, then its answer lost (a timeout, a 5xx from a front end): the SDK's
                # standard mode sends the call again, and the code gets that answer; a client
                # that makes one attempt (the senders': ``ongpt.platform.aws``) gets the timeout.
                real(client, operation, params)
                if sends_once(client):
                    raise Fault(position, name, "timeout").error()
            return real(client, operation, params)

        with monkeypatch.context() as patch:
            patch.setattr(BaseClient, "_make_api_call", make_api_call)
            yield self


def faults_of(calls: list[str], sites: list[str] | None = None) -> list[Fault]:
    """Each call of a clean run fails with its service's error; and a timeout, which botocore
    raises as no ``ClientError`` (the same way for every call), is injected too.

    Without ``sites``, a run of the same call in a row (a loop over shards) fails only at its
    first, each fault is at a position, and the first call to each service also times out. With
    ``sites`` (``CallLog.sites``), each distinct (operation, call site) fails once, at its first
    call: calls of a loop (over shards, items, recipients) share a site and collapse into one
    fault, so do the retries of a transaction after a conflict; a fault then hits the first such
    call of the faulted run, wherever it is. The run's first call also times out: a timeout
    takes the path an error other than the ones the code catches takes, and each such error is
    already injected at every site."""
    site: list[str | None] = list(sites) if sites is not None else [None] * len(calls)
    if sites is None:
        kept = [p for p, name in enumerate(calls) if p == 0 or calls[p - 1] != name]
    else:
        pairs = list(enumerate(zip(calls, sites, strict=True)))
        first_of = {pair: p for p, pair in reversed(pairs)}
        kept = sorted(first_of.values())
    errors = [Fault(p, calls[p], SERVICE_ERRORS[calls[p].split(".")[0]], site[p]) for p in kept]
    if sites is None:  # the first call to each service
        first = {name.split(".")[0]: p for p, name in reversed(list(enumerate(calls)))}
        timed_out = sorted(first.values())
    else:  # the run's first call
        timed_out = [0] if calls else []
    return errors + [Fault(p, calls[p], "timeout", site[p]) for p in timed_out]


# Operations that change nothing: served twice, the second answer is the first one's (with no
# other writer in the row), so their answers lost are left out; what is left is every call that
# writes, sends, creates or deletes.
READS = (
    "Get",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
    "Describe",
    "List",
    "Head",
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateMac",
    "VerifyMac",
    "AdminGetUser",
    "ReceiveMessage",
)


def lost_answers_of(calls: list[str], sites: list[str]) -> list[Fault]:
    """Each distinct (operation, call site) of a clean run that changes something, served and
    its answer lost, at its first call (issue 26, item 4): the SDK sends it again, so the code
    sees a second answer, for a conditional write the refusal of its own first write."""
    first_of = {pair: p for p, pair in reversed(list(enumerate(zip(calls, sites, strict=True))))}
    return [
        Fault(p, calls[p], ANSWER_LOST, sites[p])
        for p in sorted(first_of.values())
        if not calls[p].split(".")[-1].startswith(READS)
    ]


def calls_of(monkeypatch: pytest.MonkeyPatch, run: Callable[[], Any]) -> list[str]:
    """The AWS calls ``run`` makes, in order, when nothing fails."""
    with CallLog().installed(monkeypatch) as log:
        run()
    return log.calls


@contextmanager
def refusing(monkeypatch: pytest.MonkeyPatch, operation: str) -> Iterator[None]:
    """Every call of ``operation`` (``"TransactWriteItems"``) fails, as it does after the SDK's
    retries when the service is broken; the other calls go through."""
    real = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore

    def make_api_call(client: BaseClient, name: str, params: dict[str, Any]) -> Any:
        if name == operation:
            raise ClientError({"Error": {"Code": "InternalServerError"}}, name)
        return real(client, name, params)

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", make_api_call)
        yield
