"""Reading the synthesized templates (the app's stacks as one, ``template_json``): resources by
type, logical ids by construct path, API routes, and the statements attached to a role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local.template import ApiRoute, Template


def resources(template_json: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every resource of ``type_``."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template_json["Resources"].items()
        if resource["Type"] == type_
    }


def logical_id(template_json: dict[str, Any], path_suffix: str) -> str:
    """The logical id of the resource whose construct path ends with ``path_suffix``."""
    matches = [
        lid
        for lid, resource in template_json["Resources"].items()
        if resource.get("Metadata", {}).get("aws:cdk:path", "").endswith(path_suffix)
    ]
    assert len(matches) == 1, f"{path_suffix}: {matches}"
    return str(matches[0])


def api_routes(assembly_dir: Path) -> list[ApiRoute]:
    return Template.load(assembly_dir).api_routes()


def role_statements(template_json: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role ``role_id``."""
    return [
        statement
        for props in resources(template_json, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in props["Roles"]
        for statement in props["PolicyDocument"]["Statement"]
    ]


def summed_alarm(template_json: dict[str, Any], name: str) -> tuple[dict[str, Any], set[str]]:
    """The alarm ``OnGptAccounts-<name>`` on our metric ``name`` summed over functions (each
    missing one as 0), and the functions (Powertools' ``service`` dimension) it sums."""
    (found,) = [
        a
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if a["AlarmName"] == f"OnGptAccounts-{name}"
    ]
    metrics = {m["Id"]: m for m in found["Metrics"]}
    (expression,) = [m for m in metrics.values() if "Expression" in m]
    counted = {
        m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
        for m in metrics.values()
        if "MetricStat" in m
        and m["MetricStat"]["Metric"]["MetricName"] == name
        and m["MetricStat"]["Stat"] == "Sum"
    }
    assert all(
        f"FILL({m}, 0)" in expression["Expression"] for m in metrics if m != expression["Id"]
    )
    return found, counted
