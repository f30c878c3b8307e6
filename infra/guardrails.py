"""Our own synth-time checks, where cdk-nag has none. Each reads the synthesized templates,
the app's stacks as one (a reference to another stack's resource as one within a stack):

- ``OnGpt-TableCmk``: every DynamoDB table is encrypted with a customer-managed key of the app.
- ``OnGpt-MethodIam``: every API method requires AWS_IAM (SigV4) authorization (P2.6), but a CORS
  preflight: ``OPTIONS`` answered by API Gateway itself (a MOCK integration), which browsers send
  unsigned and which reaches no function (infra/cors.py).
- ``OnGpt-NoWildcardAction``: no policy statement allows ``*`` or ``service:*`` actions.
- ``OnGpt-AuditAppendOnly``: nothing may update or delete items of a table tagged append-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)

from infra.assembly import merged

APPEND_ONLY_TAG = "ongpt:append-only"
MUTATING_ACTIONS = {
    "dynamodb:updateitem",
    "dynamodb:deleteitem",
    "dynamodb:batchwriteitem",
    "dynamodb:partiqlupdate",
    "dynamodb:partiqldelete",
    "dynamodb:deletetable",
    "dynamodb:updatetable",
    "dynamodb:restoretablefrombackup",
    "dynamodb:*",
    "*",
}
RULES = {
    "OnGpt-TableCmk": "A DynamoDB table is not encrypted with a customer-managed KMS key.",
    "OnGpt-MethodIam": "An API method does not require AWS_IAM (SigV4) authorization.",
    "OnGpt-NoWildcardAction": "A policy statement allows every action of a service.",
    "OnGpt-AuditAppendOnly": "A policy allows updating or deleting audit entries.",
}
Template = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    rule: str
    logical_id: str
    location: str


def _resources(template: Template, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") in types:
            yield logical_id, resource.get("Properties", {})


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _references(value: Any) -> set[str]:
    """Logical ids that a template value points at through Ref or Fn::GetAtt."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return {target[0] if isinstance(target, list) else target.split(".")[0]}
        return set().union(*(_references(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    return set()


def _policy_documents(template: Template) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical id, property, document) of every permission policy in the template."""
    documents = {
        "AWS::IAM::Policy": "PolicyDocument",
        "AWS::IAM::ManagedPolicy": "PolicyDocument",
        "AWS::KMS::Key": "KeyPolicy",
        "AWS::SQS::QueuePolicy": "PolicyDocument",
        "AWS::SNS::TopicPolicy": "PolicyDocument",
        "AWS::S3::BucketPolicy": "PolicyDocument",
    }
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        prop = documents.get(resource.get("Type"))
        if prop and prop in props:
            yield logical_id, prop, props[prop]
        if resource.get("Type") == "AWS::IAM::Role":
            for i, policy in enumerate(props.get("Policies", [])):
                yield logical_id, f"Policies/{i}", policy["PolicyDocument"]


def _allow_statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for statement in _as_list(document.get("Statement", [])):
        if statement.get("Effect") == "Allow":
            yield statement


def table_cmk(template: Template) -> list[Finding]:
    keys = {lid for lid, _ in _resources(template, "AWS::KMS::Key")}
    findings = []
    for logical_id, props in _resources(template, "AWS::DynamoDB::Table"):
        sse = props.get("SSESpecification", {})
        if not (
            sse.get("SSEEnabled") is True
            and sse.get("SSEType") == "KMS"
            and _references(sse.get("KMSMasterKeyId")) & keys
        ):
            findings.append(Finding("OnGpt-TableCmk", logical_id, "Properties/SSESpecification"))
    return findings


def _preflight(method: dict[str, Any]) -> bool:
    return method.get("HttpMethod") == "OPTIONS" and method.get("Integration", {}).get("Type") == (
        "MOCK"
    )


def method_iam(template: Template) -> list[Finding]:
    return [
        Finding("OnGpt-MethodIam", logical_id, "Properties/AuthorizationType")
        for logical_id, props in _resources(template, "AWS::ApiGateway::Method")
        if props.get("AuthorizationType") != "AWS_IAM" and not _preflight(props)
    ]


def no_wildcard_action(template: Template) -> list[Finding]:
    findings = []
    for logical_id, prop, document in _policy_documents(template):
        for statement in _allow_statements(document):
            actions = _as_list(statement.get("Action", []))
            if "NotAction" in statement or any(a == "*" or a.endswith(":*") for a in actions):
                findings.append(Finding("OnGpt-NoWildcardAction", logical_id, f"Properties/{prop}"))
                break
    return findings


def _append_only_tables(template: Template) -> set[str]:
    return {
        logical_id
        for logical_id, props in _resources(template, "AWS::DynamoDB::Table")
        if any(tag.get("Key") == APPEND_ONLY_TAG for tag in props.get("Tags", []))
    }


def audit_append_only(template: Template) -> list[Finding]:
    protected = _append_only_tables(template)
    findings = []
    for logical_id, prop, document in _policy_documents(template):
        for statement in _allow_statements(document):
            actions = {a.lower() for a in _as_list(statement.get("Action", []))}
            resources = statement.get("Resource", [])
            targets_protected = "*" in _as_list(resources) or _references(resources) & protected
            if targets_protected and actions & MUTATING_ACTIONS:
                findings.append(Finding("OnGpt-AuditAppendOnly", logical_id, f"Properties/{prop}"))
                break
    return findings


CHECKS = (table_cmk, method_iam, no_wildcard_action, audit_append_only)


def check_template(template: Template) -> list[Finding]:
    """Every finding of every guardrail in one template."""
    return [finding for check in CHECKS for finding in check(template)]


@jsii.implements(IPolicyValidationPlugin)
class Guardrails:
    """The guardrails as a CDK validation plugin: synth fails on any finding."""

    @property
    def name(self) -> str:
        return "OnGptGuardrails"

    @property
    def rule_ids(self) -> list[str]:
        return list(RULES)

    @property
    def version(self) -> str:
        return "1.0.0"

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """The app's templates are checked as one (``infra/assembly.py``), so that a policy in
        one stack is seen to name a table of another; each finding is reported in its own."""
        templates = {path: json.loads(Path(path).read_text()) for path in context.template_paths}
        where = {lid: path for path, t in templates.items() for lid in t.get("Resources", {})}
        by_rule: dict[str, list[PolicyViolatingResource]] = {}
        for finding in check_template(merged(templates.values())):
            by_rule.setdefault(finding.rule, []).append(
                PolicyViolatingResource(
                    resource_logical_id=finding.logical_id,
                    template_path=where[finding.logical_id],
                    locations=[finding.location],
                )
            )
        violations = [
            PolicyViolation(rule_name=rule, description=RULES[rule], violating_resources=found)
            for rule, found in by_rule.items()
        ]
        return PolicyValidationPluginReport(success=not violations, violations=violations)
