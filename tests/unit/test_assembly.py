"""The app's stacks read as one, as ``make run`` and ``make bench`` read what ``cdk synth`` wrote:
the CLI's usage report, a resource of the same id in every stack, is none of the app's."""

from __future__ import annotations

import pytest

from infra.assembly import merged

METADATA = {"CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:..."}}}


def test_the_clis_usage_report_in_each_stack_is_left_out() -> None:
    first = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}, **METADATA}}
    second = {"Resources": {"Function": {"Type": "AWS::Lambda::Function"}, **METADATA}}
    assert set(merged([first, second])["Resources"]) == {"Table", "Function"}


def test_a_resource_of_the_app_in_two_stacks_is_refused() -> None:
    table = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}}
    with pytest.raises(AssertionError, match="Table"):
        merged([table, table])
