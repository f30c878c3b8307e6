"""Fault injection at the AWS calls a flow makes: record the calls of a clean run, then fail the
n-th call as botocore raises a failure once its own retries are spent (issue 8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ReadTimeoutError

# The failure each service gives when it is overloaded or broken (a throttle, a KMS, SES or
# Cognito error); every call can also time out.
SERVICE_ERRORS = {
    "dynamodb": "ProvisionedThroughputExceededException",
    "kms": "KMSInternalException",
    "sesv2": "TooManyRequestsException",
    "sns": "Throttled",
    "sqs": "RequestThrottled",
    "cognito-idp": "InternalErrorException",
}


EVENT_SOURCE_CALLS = ("dynamodbstreams.",)


@dataclass(frozen=True)
class Fault:
    call: int  # 0-based position among the flow's AWS calls
    operation: str  # "kms.Decrypt"
    kind: str  # an error code, or "timeout"

    def error(self) -> Exception:
        if self.kind == "timeout":
            return ReadTimeoutError(endpoint_url=f"https://{self.operation}.amazonaws.com")
        return ClientError(
            {"Error": {"Code": self.kind, "Message": "injected"}}, self.operation.split(".")[1]
        )

    def __str__(self) -> str:
        return f"#{self.call} {self.operation} {self.kind}"


@dataclass
class CallLog:
    """Every AWS call made while installed; ``fail`` makes one of them raise instead."""

    calls: list[str] = field(default_factory=list)
    fail: Fault | None = None

    @contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[CallLog]:
        real = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private to botocore
        log = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            name = f"{client.meta.service_model.service_name}.{operation}"
            if name.startswith(EVENT_SOURCE_CALLS):  # Lambda's stream poller's, not a function's
                return real(client, operation, params)
            position = len(log.calls)
            log.calls.append(name)
            if log.fail is not None and log.fail.call == position:
                raise log.fail.error()
            return real(client, operation, params)

        with monkeypatch.context() as patch:
            patch.setattr(BaseClient, "_make_api_call", make_api_call)
            yield self


def faults_of(calls: list[str]) -> list[Fault]:
    """Each call of a clean run fails with its service's error, but a run of the same call in a
    row (a loop over shards) only at its first; the first call to each service also times out
    (botocore raises the same way for every call of a service)."""
    errors = [
        Fault(position, name, SERVICE_ERRORS[name.split(".")[0]])
        for position, name in enumerate(calls)
        if position == 0 or calls[position - 1] != name
    ]
    first = {name.split(".")[0]: position for position, name in reversed(list(enumerate(calls)))}
    timeouts = [Fault(position, calls[position], "timeout") for position in sorted(first.values())]
    return errors + timeouts


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
