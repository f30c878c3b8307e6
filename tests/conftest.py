"""One synthesis of the whole app per test session, shared by infra and end-to-end tests; the
compliance gates run as part of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app import build_app

pytest_plugins = ["tests.traceability"]

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
