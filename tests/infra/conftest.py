"""One synthesis of the whole app per test session: the compliance gates run as part of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from app import build_app

STACK = "OnGptAccounts"


@pytest.fixture(scope="session")
def assembly_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    build_app(outdir=str(outdir)).synth()  # raises if any compliance finding is unacknowledged
    return outdir


@pytest.fixture(scope="session")
def template_path(assembly_dir: Path) -> Path:
    return assembly_dir / f"{STACK}.template.json"


@pytest.fixture(scope="session")
def template_json(template_path: Path) -> dict[str, Any]:
    return json.loads(template_path.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def template(template_json: dict[str, Any]) -> Template:
    return Template.from_json(template_json)


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


def api_methods(template_json: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> properties of every ``AWS::ApiGateway::Method``."""
    api_resources = resources(template_json, "AWS::ApiGateway::Resource")

    def path_of(ref: dict[str, Any]) -> str:
        if "Fn::GetAtt" in ref:  # the API's root resource
            return ""
        props = api_resources[ref["Ref"]]
        return f"{path_of(props['ParentId'])}/{props['PathPart']}"

    return {
        (props["HttpMethod"], path_of(props["ResourceId"])): props
        for props in resources(template_json, "AWS::ApiGateway::Method").values()
    }


def role_statements(template_json: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role ``role_id``."""
    return [
        statement
        for props in resources(template_json, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in props["Roles"]
        for statement in props["PolicyDocument"]["Statement"]
    ]
