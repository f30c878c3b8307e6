"""Issue 27 (7): the template's throttles and worker limits are the load model's, docs/cost.md's
load model section is what the template sets, and the local runtime enforces a method's own
throttle from the template."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalogue import ALL_FUNCTIONS
from infra.load_model import (
    COST_DOC,
    VERIFICATION,
    documented_section,
    method_throttles,
    section,
    stage_throttle,
    worker_concurrency,
)
from local import throttles
from local.template import ApiRoute
from tests.support.synthesized import resources


def _stage(template_json: dict[str, Any]) -> dict[str, Any]:
    (stage,) = resources(template_json, "AWS::ApiGateway::Stage").values()
    return stage


def test_the_stage_and_method_throttles_are_the_models(template_json: dict[str, Any]) -> None:
    limits = {
        (s["HttpMethod"], s["ResourcePath"]): (s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"])
        for s in _stage(template_json)["MethodSettings"]
    }
    stage = stage_throttle()
    expected = {("*", "/*"): (stage.rate, stage.burst)} | {
        (method, "/" + path.replace("/", "~1")): (limit.rate, limit.burst)
        for (method, path), limit in method_throttles().items()
    }
    assert limits == expected
    assert VERIFICATION in method_throttles()


def test_the_code_workers_take_as_many_batches_as_they_reserve(
    template_json: dict[str, Any],
) -> None:
    functions = resources(template_json, "AWS::Lambda::Function")
    name = {
        lid: f["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for lid, f in functions.items()
    }
    reserved = {
        name[lid]: f["ReservedConcurrentExecutions"]
        for lid, f in functions.items()
        if "ReservedConcurrentExecutions" in f
    }
    polled = {
        name[m["FunctionName"]["Ref"]]: m["ScalingConfig"]["MaximumConcurrency"]
        for m in resources(template_json, "AWS::Lambda::EventSourceMapping").values()
        if "ScalingConfig" in m
    }
    limited = {spec.name: limit for spec in ALL_FUNCTIONS if (limit := worker_concurrency(spec))}
    assert limited  # the registration and recovery code senders
    assert reserved == polled == limited


def test_the_documented_load_model_is_what_the_template_sets(
    template_json: dict[str, Any],
) -> None:
    assert documented_section(COST_DOC.read_text()) == section(template_json), (
        "docs/cost.md differs from the template: run `make cost-model`"
    )


def test_the_local_runtime_enforces_the_templates_method_throttle(
    template_json: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("local.throttles.time.monotonic", lambda: 0.0)  # no token comes back
    gateway = throttles.Throttles(_stage(template_json))
    method, path = VERIFICATION
    verification = ApiRoute("M", method, path, "AWS_IAM", "F")
    policy = ApiRoute("P", "GET", "/v1/policy", "AWS_IAM", "F")
    burst = method_throttles()[VERIFICATION].burst
    assert [gateway.admit(verification) for _ in range(burst + 1)] == [True] * burst + [False]
    assert all(gateway.admit(policy) for _ in range(burst + 1))  # the stage's bucket is deeper
