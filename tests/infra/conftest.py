"""Fixtures over the synthesized template (the synthesis itself is in tests/conftest.py; helpers
in ``tests/support/synthesized.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template as Assertions


@pytest.fixture(scope="session")
def template(template_json: dict[str, Any]) -> Assertions:
    return Assertions.from_json(template_json)
