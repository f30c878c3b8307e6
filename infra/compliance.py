"""The compliance gates: cdk-nag's AWS Solutions, HIPAA and NIST 800-53 rev 5 packs and our own
guardrails. Any finding that is not acknowledged (with a reason, at the construct it concerns)
fails synthesis."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

from infra.guardrails import Guardrails

HIPAA = "HIPAA.Security"
NIST = "NIST.800.53.R5"


def add_compliance_checks(app: App) -> None:
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app),
        HIPAASecurityChecks(app),
        NIST80053R5Checks(app),
        Guardrails(),
    )


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Accept findings of ``rule_ids`` on ``scope`` and below, for one stated reason."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=rule, reason=reason) for rule in rule_ids)
    )


def in_all_packs(rule: str) -> tuple[str, str]:
    """A rule that the HIPAA and the NIST packs both have, e.g. ``LambdaInsideVPC``."""
    return f"{HIPAA}-{rule}", f"{NIST}-{rule}"


def render(value: Any) -> str:
    """A resolved template value as cdk-nag names it in findings: ``<LogicalId.Attr>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}>".format(".".join(value["Fn::GetAtt"]))
    if isinstance(value, dict) and "Fn::ImportValue" in value:  # another stack's: its export
        return render(value["Fn::ImportValue"])
    raise ValueError(f"cannot render {value!r}")


def wildcard_resource(scope: IConstruct, arn: str) -> str:
    """The IAM5 finding id of a wildcard resource ARN (a CDK token is allowed; one of another
    stack's resources as ``referred_to`` gives it)."""
    return f"AwsSolutions-IAM5[Resource::{render(Stack.of(scope).resolve(arn))}]"


def referred_to(scope: IConstruct, value: str, owner: IConstruct) -> str:
    """``value``, a token of ``owner``'s stack, as ``scope``'s stack refers to it: within one
    stack, itself; from another, the import of the export CDK makes for it (the same export,
    made now rather than at synthesis), which cdk-nag names a finding by."""
    stack = Stack.of(owner)
    return value if Stack.of(scope) is stack else stack.export_value(value)


def acknowledgements(metadata: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(rule, reason) of every acknowledgement in a stack's cloud-assembly metadata, the rule
    without its finding detail (``AwsSolutions-IAM5[...]`` -> ``AwsSolutions-IAM5``)."""
    found = {
        (rule.removeprefix("Annotation::").split("[", 1)[0], reason)
        for entries in metadata.values()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    }
    return sorted(found)


def all_acknowledgements(cloud_assembly: Path) -> list[tuple[str, str]]:
    """(rule, reason) of every acknowledgement in every stack of the assembly."""
    found = {
        acknowledged
        for path in cloud_assembly.glob("*.metadata.json")
        for acknowledged in acknowledgements(json.loads(path.read_text()))
    }
    return sorted(found)


def acknowledgements_table(cloud_assembly: str) -> str:
    """The acknowledgements as the Markdown table kept in the README."""
    rows = ["| Rule | Reason |", "|---|---|"]
    found = all_acknowledgements(Path(cloud_assembly))
    rows += [f"| `{rule}` | {reason} |" for rule, reason in found]
    return "\n".join(rows)


if __name__ == "__main__":
    print(acknowledgements_table(sys.argv[1] if len(sys.argv) > 1 else "cdk.out"))
