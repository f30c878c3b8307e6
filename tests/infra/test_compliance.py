"""The compliance gates: the nag packs and our guardrails fail synthesis; cfn-lint is clean."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Tags, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from infra import guardrails, names
from infra.compliance import add_compliance_checks, all_acknowledgements
from tests.support.synthesized import logical_id, resources
from tests.traceability import CLAUSES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.clause("P2.4")
def test_an_unacknowledged_finding_fails_synthesis(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad")
    dynamodb.Table(
        stack,
        "Plain",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    )
    add_compliance_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = (tmp_path / "validation-report.json").read_text()
    for rule in ("OnGpt-TableCmk", "AwsSolutions-DDB3", "HIPAA.Security-DynamoDBPITREnabled"):
        assert rule in report


@pytest.mark.clause("P2.4")
def test_the_stack_has_no_guardrail_finding(template_json: dict[str, Any]) -> None:
    assert guardrails.check_template(template_json) == []


def _rules(template_json: dict[str, Any]) -> set[str]:
    return {finding.rule for finding in guardrails.check_template(template_json)}


@pytest.mark.clause("P2.1")
def test_guardrail_catches_a_table_without_the_cmk(template_json: dict[str, Any]) -> None:
    broken = copy.deepcopy(template_json)
    table = broken["Resources"][logical_id(broken, "/Data/Audit/Resource")]["Properties"]
    table["SSESpecification"] = {"SSEEnabled": True}  # AWS managed key
    assert _rules(broken) == {"OnGpt-TableCmk"}


@pytest.mark.clause("P2.6")
def test_guardrail_catches_a_method_without_sigv4(template_json: dict[str, Any]) -> None:
    broken = copy.deepcopy(template_json)
    methods = resources(broken, "AWS::ApiGateway::Method").values()
    method = next(m for m in methods if m["HttpMethod"] != "OPTIONS")
    method["AuthorizationType"] = "NONE"
    assert _rules(broken) == {"OnGpt-MethodIam"}


@pytest.mark.clause("P2.6")
def test_guardrail_lets_only_mock_preflights_go_unsigned(template_json: dict[str, Any]) -> None:
    """An unsigned OPTIONS method that reaches a function is caught like any other."""
    broken = copy.deepcopy(template_json)
    methods = resources(broken, "AWS::ApiGateway::Method").values()
    signed = next(m for m in methods if m["HttpMethod"] != "OPTIONS")
    signed.update(HttpMethod="OPTIONS", AuthorizationType="NONE")
    assert _rules(broken) == {"OnGpt-MethodIam"}


def _first_function_policy(template_json: dict[str, Any]) -> dict[str, Any]:
    policy_id = logical_id(template_json, "/Me/Role/DefaultPolicy/Resource")
    return template_json["Resources"][policy_id]["Properties"]["PolicyDocument"]  # type: ignore[no-any-return]


@pytest.mark.clause("P2.2")
def test_guardrail_catches_a_service_wide_action(template_json: dict[str, Any]) -> None:
    broken = copy.deepcopy(template_json)
    _first_function_policy(broken)["Statement"].append(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket"}
    )
    assert _rules(broken) == {"OnGpt-NoWildcardAction"}


@pytest.mark.clause("P5")
def test_guardrail_catches_an_audit_update(template_json: dict[str, Any]) -> None:
    broken = copy.deepcopy(template_json)
    audit = logical_id(broken, "/Data/Audit/Resource")
    _first_function_policy(broken)["Statement"].append(
        {
            "Effect": "Allow",
            "Action": "dynamodb:UpdateItem",
            "Resource": {"Fn::GetAtt": [audit, "Arn"]},
        }
    )
    assert _rules(broken) == {"OnGpt-AuditAppendOnly"}


@pytest.mark.clause("P5")
def test_the_audit_table_is_marked_append_only(template_json: dict[str, Any]) -> None:
    audit = resources(template_json, "AWS::DynamoDB::Table")[
        logical_id(template_json, "/Data/Audit/Resource")
    ]
    assert {"Key": guardrails.APPEND_ONLY_TAG, "Value": "true"} in audit["Tags"]


@pytest.mark.clause("P2.4")
def test_cfn_lint_finds_nothing_in_any_stack(assembly_dir: Path) -> None:
    templates = sorted(assembly_dir.glob("*.template.json"))
    assert len(templates) == len(names.STACKS)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), *map(str, templates)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.clause("P2.4")
def test_every_acknowledgement_has_a_reason_and_is_in_the_readme(assembly_dir: Path) -> None:
    found = all_acknowledgements(assembly_dir)
    assert found
    readme = (ROOT / "README.md").read_text()
    for rule, reason in found:
        assert len(reason) > 40, rule
        assert reason in readme, f"README does not list {rule}: {reason}"


@pytest.mark.clause("P2.4")
def test_the_readme_maps_every_clause_to_its_regulations() -> None:
    rows = {
        cells[0]: cells[1]
        for line in (ROOT / "README.md").read_text().splitlines()
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
        if line.startswith("|") and re.fullmatch(r"P\d+(\.\d+)?", cells[0])
    }
    assert rows == {clause: regulations for clause, (_, regulations) in CLAUSES.items()}


@pytest.mark.clause("P5")
def test_a_guardrail_finding_across_stacks_fails_synthesis(tmp_path: Path) -> None:
    """A policy in one stack that may update an append-only table of another: the guardrails
    read the stacks as one, so the import of the table's ARN is seen to name it."""
    app = App(outdir=str(tmp_path))
    table = dynamodb.Table(
        Stack(app, "Kept"),
        "Audit",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    )
    Tags.of(table).add(guardrails.APPEND_ONLY_TAG, "true")
    role = iam.Role(
        Stack(app, "Using"), "Writer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[table.table_arn])
    )
    Validations.of(app).add_plugins(guardrails.Guardrails())
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (found,) = [
        violation
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if violation["ruleName"] == "OnGpt-AuditAppendOnly"
    ]
    (where,) = found["violatingConstructs"]
    assert where["constructPath"] == "Using/Writer/DefaultPolicy/Resource"
