"""The load model: from how many customers call how often, the stage's throttle, the method
throttles where a method leads to a downstream quota lower than the stage's rate, and the
concurrency of the queue workers whose sends a quota binds. ``infra/gateway.py`` and
``infra/stack.py`` take their numbers from here; ``python -m infra.load_model [cdk.out]`` writes
docs/cost.md's load model section from a synthesized assembly (tests/infra/test_load_model.py
checks the document against the template).

A method throttle answers 429 beyond its rate: the client retries later (with the same
``Idempotency-Key``). A queue worker's limit queues instead: its event source polls at most that
many batches at once (``MaximumConcurrency``), and its reserved concurrency is the same number,
so Lambda never throttles a batch the source took ("Configuring scaling behavior for SQS event
source mappings", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html: set
maximum concurrency no higher than reserved concurrency; reserved concurrency alone throttles
batches, which return to the queue and count towards its dead-letter redrive).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.catalogue import RECOVERY_CODES, REGISTRATION_CODES, FunctionSpec

SECONDS_PER_DAY = 86_400
COST_DOC = Path(__file__).resolve().parent.parent / "docs" / "cost.md"
START = "<!-- load-model:start (written by python -m infra.load_model; do not edit) -->"
END = "<!-- load-model:end -->"


@dataclass(frozen=True)
class Quota:
    """A default AWS quota, per second (Lambda's: concurrent executions), and where it is
    documented."""

    name: str
    limit: float
    url: str


API_GATEWAY = Quota(
    "API Gateway, per account and Region (burst 5,000)",
    10_000,
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
)
API_GATEWAY_BURST = 5_000
LAMBDA_CONCURRENCY = Quota(
    "Lambda concurrent executions, per Region",
    1_000,
    "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
)
COGNITO_USER_CREATION = Quota(
    "Cognito `UserCreation` (`AdminCreateUser`, `SignUp`...), adjustable",
    50,
    "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
)
COGNITO_USER_AUTHENTICATION = Quota(
    "Cognito `UserAuthentication` (`InitiateAuth`, `AdminInitiateAuth`), adjustable",
    120,
    "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
)
# In the sandbox 1 a second; out of it "varies based on your specific use case": the model
# assumes 14, a common first production rate. Set it to the account's MaxSendRate.
SES_SENDING_RATE = Quota(
    "SES sending rate (assumed after production access; 1 in the sandbox)",
    14,
    "https://docs.aws.amazon.com/ses/latest/dg/quotas.html",
)
# The default transactional SMS rate as the SNS quotas page has given it; check the account's
# Service Quotas (and the origination identity's own throughput) for the deployment Region.
SNS_SMS_RATE = Quota(
    "SNS transactional SMS",
    20,
    "https://docs.aws.amazon.com/general/latest/gr/sns.html",
)
KMS_SYMMETRIC = Quota(
    "KMS symmetric cryptographic requests (the lowest Regional default)",
    5_500,
    "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html",
)


@dataclass(frozen=True)
class Load:
    """Who calls, how often, and how unevenly."""

    customers: int = 1_000_000
    active_share: float = 0.2  # of the customers, calling on a given day
    requests_per_active_customer_per_day: float = 20
    sign_ins_per_active_customer_per_day: float = 2  # a sign-in and a token refresh
    peak_factor: float = 10  # the busiest second against the day's average
    burst_seconds: float = 2  # the stage's bucket holds this many seconds of its rate

    def peak(self, per_active_customer_per_day: float) -> float:
        daily = self.customers * self.active_share * per_active_customer_per_day
        return daily / SECONDS_PER_DAY * self.peak_factor


LOAD = Load()
KMS_CALLS_PER_REQUEST = 3  # the most of any request: verification (docs/benchmarks.md)
API_SECONDS_PER_REQUEST = 0.15  # cost.md's duration of the registration routes
# A code message: 12 AWS calls (docs/benchmarks.md), ten to DynamoDB and KMS at ~10 ms, SES
# and SNS at ~100 ms each; an environment sends its batch's messages one after another.
SECONDS_PER_CODE_MESSAGE = 0.35
MINIMUM_MAXIMUM_CONCURRENCY = 2  # ScalingConfig's least MaximumConcurrency (services-sqs-scaling)


@dataclass(frozen=True)
class Throttle:
    rate: int
    burst: int


@dataclass(frozen=True)
class Share:
    """A part of a quota given to one caller, which makes ``calls`` of it per request (a
    method) or per message (a worker)."""

    quota: Quota
    share: float
    calls: int = 1

    @property
    def rate(self) -> float:
        """The caller's requests (or messages) a second within its share."""
        return self.quota.limit * self.share / self.calls


VERIFICATION = ("POST", "/v1/registrations/{registration_id}/verification")
METHOD_SHARES: dict[tuple[str, str], tuple[Share, ...]] = {
    VERIFICATION: (Share(COGNITO_USER_CREATION, 1.0),),  # the only caller of AdminCreateUser
}
# Verification also calls AdminSetUserPassword, in another Cognito category (the quotas page
# lists each category's operations): if that category's quota is lower, it binds first.
# POST /v1/me/edit-requests sends its codes inline but has no share: a method throttle within
# SES's rate (a few requests a second) would refuse the changes that send nothing as well. Its
# sends are bounded by each caller's send limits; a send SES or SNS refuses is a 503, retried.
INLINE_CODES = ("POST", "/v1/me/edit-requests")
WORKER_SHARES: dict[FunctionSpec, tuple[Share, ...]] = {
    REGISTRATION_CODES: (Share(SES_SENDING_RATE, 0.4), Share(SNS_SMS_RATE, 0.4)),
    RECOVERY_CODES: (Share(SES_SENDING_RATE, 0.1), Share(SNS_SMS_RATE, 0.1)),
}
# The rest of SES and SNS is the notice delivery worker's: one invocation per shard of the
# Outbox table's stream, a throttled send released and retried.


def stage_throttle(load: Load = LOAD) -> Throttle:
    rate = math.ceil(load.peak(load.requests_per_active_customer_per_day))
    return Throttle(rate, math.ceil(rate * load.burst_seconds))


def method_throttles(load: Load = LOAD) -> dict[tuple[str, str], Throttle]:
    """A throttle per method whose share of a quota is lower than the stage's rate; its bucket
    holds one second of it."""
    stage = stage_throttle(load).rate
    throttles = {}
    for method, shares in METHOD_SHARES.items():
        rate = math.floor(min(share.rate for share in shares))
        if rate < stage:
            throttles[method] = Throttle(rate, rate)
    return throttles


def worker_concurrency(spec: FunctionSpec) -> int | None:
    """How many batches the worker handles at once so that its sends stay within its shares
    (never fewer than an SQS event source allows), or None if it is not limited."""
    shares = WORKER_SHARES.get(spec)
    if shares is None:
        return None
    fits = min(math.floor(share.rate * SECONDS_PER_CODE_MESSAGE) for share in shares)
    return max(MINIMUM_MAXIMUM_CONCURRENCY, fits)


# The document: the model, then the quotas against what the synthesized template sets.


@dataclass(frozen=True)
class Configured:
    """What a template sets: the stage's throttle, the methods', each limited worker's."""

    stage: Throttle
    methods: dict[tuple[str, str], Throttle]
    workers: dict[str, tuple[int | None, int | None]]  # name: (reserved, maximum concurrency)

    @classmethod
    def of(cls, template: dict[str, Any]) -> Configured:
        resources = template["Resources"]
        (stage,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
        # A setting's ResourcePath is "/*" for the stage, "/~1v1~1me" for /v1/me.
        settings = {
            (s["HttpMethod"], s["ResourcePath"][1:].replace("~1", "/")): Throttle(
                s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"]
            )
            for s in stage["Properties"]["MethodSettings"]
            if "ThrottlingRateLimit" in s
        }
        names = {
            logical_id: r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
            for logical_id, r in resources.items()
            if r["Type"] == "AWS::Lambda::Function"
        }
        sources = {
            names[r["Properties"]["FunctionName"]["Ref"]]: r["Properties"]
            .get("ScalingConfig", {})
            .get("MaximumConcurrency")
            for r in resources.values()
            if r["Type"] == "AWS::Lambda::EventSourceMapping"
        }
        workers = {
            names[logical_id]: (
                r["Properties"].get("ReservedConcurrentExecutions"),
                sources.get(names[logical_id]),
            )
            for logical_id, r in resources.items()
            if r["Type"] == "AWS::Lambda::Function"
            and "ReservedConcurrentExecutions" in r["Properties"]
        }
        return cls(settings.pop(("*", "*")), settings, workers)

    def worker_sends(self, quota: Quota) -> float:
        """The most messages a second the limited workers send through ``quota``."""
        return sum(
            (maximum or 0) / SECONDS_PER_CODE_MESSAGE * share.calls
            for spec, shares in WORKER_SHARES.items()
            for share in shares
            if share.quota is quota
            for maximum in [self.workers.get(spec.name, (None, None))[1]]
        )


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}".removesuffix(".0")


def _share(used: float, quota: Quota) -> str:
    return f"{_number(used)} ({used / quota.limit:.0%} of {_number(quota.limit)})"


def _method(method: tuple[str, str]) -> str:
    return f"`{method[0]} {method[1]}`"


def _quota(quota: Quota) -> str:
    return f"[{quota.name}]({quota.url}): {_number(quota.limit)}"


def model_section(load: Load = LOAD) -> list[str]:
    peak = load.peak(load.requests_per_active_customer_per_day)
    inputs = {
        "customers": f"{load.customers:,}",
        "active on a given day": f"{load.active_share:.0%}",
        "API requests per active customer per day": _number(
            load.requests_per_active_customer_per_day
        ),
        "sign-ins and token refreshes per active customer per day": _number(
            load.sign_ins_per_active_customer_per_day
        ),
        "peak factor (the busiest second against the day's average)": _number(load.peak_factor),
        "the stage's burst, in seconds of its rate": _number(load.burst_seconds),
    }
    return [
        "| input | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in inputs.items()),
        "",
        f"Peak: {inputs['customers']} x {inputs['active on a given day']} x "
        f"{_number(load.requests_per_active_customer_per_day)} / 86,400 s x "
        f"{_number(load.peak_factor)} = **{peak:,.1f} requests/s**, the stage's rate rounded up.",
    ]


def binds_first(configured: Configured, load: Load = LOAD) -> list[str]:
    """The quotas against what the template allows, computed from the template."""
    stage = configured.stage
    verification = configured.methods.get(VERIFICATION)
    workers = ", ".join(
        f"`{name}` {maximum} at once (reserved {reserved})"
        for name, (reserved, maximum) in sorted(configured.workers.items())
    )
    sign_ins = load.peak(load.sign_ins_per_active_customer_per_day)
    reserved = sum(reserved or 0 for reserved, _ in configured.workers.values())
    api_concurrency = stage.rate * API_SECONDS_PER_REQUEST
    rows = [
        "| quota (default) | what uses it | the most the template lets through | past it |",
        "|---|---|---|---|",
        f"| **the stage's throttle** (`infra/gateway.py`): {stage.rate:,} requests/s, burst "
        f"{stage.burst:,} | every API request | the model's peak; it binds first for the API "
        "as a whole | 429 `Too Many Requests` at the edge: nothing runs, the client retries |",
        f"| {_quota(API_GATEWAY)} | every API of the account and Region | the stage: "
        f"{_share(stage.rate, API_GATEWAY)}, burst {stage.burst:,} of {API_GATEWAY_BURST:,} | "
        "binds only if other APIs of the account take the rest |",
    ]
    if verification is not None:
        rows.append(
            f"| {_quota(COGNITO_USER_CREATION)} | `AdminCreateUser`, one per "
            f"{_method(VERIFICATION)} | the method's throttle: "
            f"{_share(verification.rate, COGNITO_USER_CREATION)}, burst {verification.burst} | "
            "429 from the method, nothing written; the client retries with the same "
            "`Idempotency-Key`. Raise the quota (and this share) before a launch |"
        )
    rows += [
        f"| {_quota(COGNITO_USER_AUTHENTICATION)} | sign-ins and refreshes, from the page to "
        "Cognito (the API calls no `AdminInitiateAuth`) | not behind the stage: the model's peak "
        f"is {_share(sign_ins, COGNITO_USER_AUTHENTICATION)} | Cognito answers "
        "`TooManyRequestsException` to the page, which retries |",
    ]
    for quota in (SES_SENDING_RATE, SNS_SMS_RATE):
        capped = configured.worker_sends(quota)
        rows.append(
            f"| {_quota(quota)} | the code workers ({workers}), a batch's messages at ~"
            f"{_number(1 / SECONDS_PER_CODE_MESSAGE)}/s; the notice delivery worker; "
            f"{_method(INLINE_CODES)}, inline and not capped apart | the code workers: "
            f"{_share(capped, quota)}; the rest is the others' | more codes than the workers "
            "send wait in their queues; a send refused returns its code message to the queue "
            "(retried after the visibility timeout), releases its notice (retried) or answers "
            "an edit request 503 (the client retries) |"
        )
    rows += [
        f"| {_quota(KMS_SYMMETRIC)} | at most {KMS_CALLS_PER_REQUEST} per request "
        "(verification), 1 per cold `GET /v1/me`; the workers' and jobs' | the stage: "
        f"{_share(stage.rate * KMS_CALLS_PER_REQUEST, KMS_SYMMETRIC)} | `ThrottlingException`, "
        "retried by the SDK; data keys are cached per instance |",
        f"| {_quota(LAMBDA_CONCURRENCY)} | every function | the stage at "
        f"{API_SECONDS_PER_REQUEST} s a request: {_share(api_concurrency, LAMBDA_CONCURRENCY)}; "
        f"{reserved} reserved for the code workers | a throttled API invocation is a 500 "
        "(`TooManyRequestsException`); the throttle alarms name the function |",
    ]
    return rows


def section(template: dict[str, Any], load: Load = LOAD) -> str:
    """docs/cost.md's load model section, markers included."""
    return "\n".join(
        [START, "", *model_section(load), "", *binds_first(Configured.of(template), load), "", END]
    )


def rewritten(document: str, new_section: str) -> str:
    before, rest = document.split(START, 1)
    _, after = rest.split(END, 1)
    return before + new_section + after


def documented_section(document: str) -> str:
    _, rest = document.split(START, 1)
    inside, _ = rest.split(END, 1)
    return START + inside + END


if __name__ == "__main__":
    from infra.assembly import merged, stack_templates

    assembly = Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")
    template = merged(stack_templates(assembly).values())
    COST_DOC.write_text(rewritten(COST_DOC.read_text(), section(template)))
    print(section(template))
