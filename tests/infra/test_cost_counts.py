"""docs/cost.md counts what the synthesized templates really have (issue 14, item 5): each row of
its "What the template has" table names a CloudFormation type and a count, and the count must be
that of all the app's stacks together, so the cost model cannot drift from what it prices."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.synthesized import resources

COST = Path(__file__).resolve().parents[2] / "docs" / "cost.md"
ROW = re.compile(r"^\| [^|]+ \| `(AWS::[\w:]+(?:\.Rules)?)` \| (\d+) \|", re.MULTILINE)
# What the model must count, whether the stack has any or not (a first rule must be costed).
COUNTED = {
    "AWS::CloudWatch::Alarm",
    "AWS::SQS::Queue",
    "AWS::Scheduler::Schedule",
    "AWS::Events::Rule",
    "AWS::DynamoDB::Table",
    "AWS::KMS::Key",
    "AWS::WAFv2::WebACL.Rules",
}


def counted_in_the_doc() -> dict[str, int]:
    return {kind: int(count) for kind, count in ROW.findall(COST.read_text())}


def in_the_template(template_json: dict[str, Any], kind: str) -> int:
    if kind.endswith(".Rules"):  # the rules inside the web ACLs, each billed on its own
        acls = resources(template_json, kind.removesuffix(".Rules")).values()
        return sum(len(acl.get("Rules", [])) for acl in acls)
    return len(resources(template_json, kind))


def test_cost_md_counts_every_billed_resource_as_the_template_has_it(
    template_json: dict[str, Any],
) -> None:
    doc = counted_in_the_doc()
    assert not COUNTED - doc.keys(), f"cost.md does not count {sorted(COUNTED - doc.keys())}"
    template = {kind: in_the_template(template_json, kind) for kind in doc}
    assert doc == template
