"""No personal value in traces (P2.5): a traced store method, run where the function's environment
from the template is all there is (as in a Lambda execution environment), leaves in its X-Ray
subsegment neither what it returned nor its error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.support.synthesized import resources

# A store method traced as in a function, its subsegments recorded in-process: an answer that
# holds a blind index, then an error that names it.
TRACED_CALLS = """
import json, sys
import aws_xray_sdk
from aws_xray_sdk.core import xray_recorder
from ongpt.customers.store import CustomerStore

value = sys.argv[1]

class Answering:
    def get_item(self, **_):
        return {"Item": {"pk": {"S": "CUSTOMER#c-1"}, "sk": {"S": "PROFILE"},
                         "email_index": {"S": value}}}

class Failing:
    def get_item(self, **_):
        raise RuntimeError(value)

aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)  # the tracer turns it off outside Lambda
segment = xray_recorder.begin_segment("function", sampling=1)
CustomerStore(Answering(), "Customers", "Guards").profile("c-1")
try:
    CustomerStore(Failing(), "Customers", "Guards").profile("c-1")
except RuntimeError:
    pass
subsegments = [{"name": s.name, "metadata": s.metadata} for s in segment.subsegments]
print(json.dumps(subsegments, default=str))
"""


def _environment_of(template_json: dict[str, Any], service: str) -> dict[str, str]:
    """The function's environment variables that the template gives as plain text."""
    for props in resources(template_json, "AWS::Lambda::Function").values():
        variables = props["Environment"]["Variables"]
        if variables["POWERTOOLS_SERVICE_NAME"] == service:
            return {name: value for name, value in variables.items() if isinstance(value, str)}
    raise KeyError(service)


@pytest.mark.clause("P2.5")
def test_a_traced_store_method_records_neither_its_answer_nor_its_error(
    template_json: dict[str, Any],
) -> None:
    value = "blind-index-of-an-address"
    environment = {
        **_environment_of(template_json, "staff_customers"),
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    done = subprocess.run(
        [sys.executable, "-c", TRACED_CALLS, value],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    subsegments = json.loads(done.stdout)
    assert [s["name"] for s in subsegments] == [
        "## ongpt.customers.store.CustomerStore.profile"
    ] * 2
    assert [s["metadata"] for s in subsegments] == [{}, {}]
    assert value not in json.dumps(subsegments[0])
