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
