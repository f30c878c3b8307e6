"""The layering rule (DESIGN.md, the shared package by area): boto3 and botocore are imported only
by stores, gateways and what they stand on; services and handlers get AWS through them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "layers/core/python/ongpt"


def _banned_imports(path: str, source: str) -> list[str]:
    """The TID251 findings ruff reports for ``source`` as if it were the file at ``path``."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "TID251",
            "--stdin-filename",
            path,
            "--output-format",
            "concise",
            "-",
        ],
        input=source,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if "TID251" in line]


AWS_IMPORTS = "import boto3\nfrom botocore.exceptions import ClientError\n"


@pytest.mark.parametrize(
    "path",
    [f"{PACKAGE}/complaints/service.py", f"{PACKAGE}/audit/anchors.py", "functions/me/handler.py"],
)
def test_services_and_handlers_may_not_import_boto3_or_botocore(path: str) -> None:
    assert len(_banned_imports(path, AWS_IMPORTS)) == 2


@pytest.mark.parametrize(
    "path", [f"{PACKAGE}/complaints/store.py", f"{PACKAGE}/customers/accounts.py"]
)
def test_stores_and_gateways_may(path: str) -> None:
    assert _banned_imports(path, AWS_IMPORTS) == []
