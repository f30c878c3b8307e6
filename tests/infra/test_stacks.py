"""The app as stacks by lifecycle (issue 27, item 8): each well under CloudFormation's limit of
500 resources, synthesis failing past 60 %, each referring only to the stacks before it, and the
key policies still naming each function's role itself."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, CfnWaitConditionHandle, Stack

from app import RESOURCE_LIMIT, app_context
from infra import names
from tests.support.synthesized import resources

Templates = dict[str, dict[str, Any]]


def test_synthesis_fails_for_a_stack_of_more_than_60_percent_of_cloudformations_limit() -> None:
    assert RESOURCE_LIMIT == 300  # of 500
    app = App(context=app_context())
    stack = Stack(app, "Big")
    for i in range(RESOURCE_LIMIT + 1):
        CfnWaitConditionHandle(stack, f"Handle{i}")
    with pytest.raises(RuntimeError, match="greater than allowed maximum of 300"):
        app.synth()


def test_each_stack_holds_at_most_60_percent_of_cloudformations_limit(
    stack_templates: Templates,
) -> None:
    assert list(stack_templates) == list(names.STACKS)
    for name, template in stack_templates.items():
        assert len(template["Resources"]) <= RESOURCE_LIMIT, name


def test_each_stack_refers_only_to_the_stacks_before_it(stack_templates: Templates) -> None:
    """So they deploy in ``names.STACKS``' order, and no two wait for each other."""
    order = list(names.STACKS)
    for name, template in stack_templates.items():
        imported = set(re.findall(r'"Fn::ImportValue": "([\w-]+):', json.dumps(template)))
        assert all(order.index(source) < order.index(name) for source in imported), name


@pytest.mark.clause("P2.1", "P2.2")
def test_key_policies_name_each_functions_role_itself_in_their_own_stack(
    stack_templates: Templates,
) -> None:
    """A key policy names a role, not a pattern of names: the roles are made beside the keys
    (``infra/roles.py``), their own policies are the functions' stack's."""
    data, api = stack_templates[names.DATA], stack_templates[names.API]
    roles = resources(data, "AWS::IAM::Role")
    principals = [
        principal
        for key in resources(data, "AWS::KMS::Key").values()
        for statement in key["KeyPolicy"]["Statement"]
        for principal in _as_list(statement["Principal"].get("AWS", []))
    ]
    named_roles = {p["Fn::GetAtt"][0] for p in principals if "Fn::GetAtt" in p}
    others = [p for p in principals if "Fn::GetAtt" not in p]
    assert all(json.dumps(p).endswith(':root"]]}') for p in others)  # the account itself
    assert named_roles
    assert named_roles <= roles.keys()
    for policy in resources(data, "AWS::IAM::Policy").values():
        assert not {role["Ref"] for role in policy["Roles"]} & named_roles
    for function in resources(api, "AWS::Lambda::Function").values():
        (export,) = function["Role"].values()
        assert export.startswith(f"{names.DATA}:")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
