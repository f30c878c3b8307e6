"""mypy follows only the CDK modules the app imports (pyproject.toml): a module imported but not
followed would be typed as Any, silently. This keeps the list and the imports together."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *(ROOT / folder for folder in ("infra", "tests", "cli", "local"))]


def followed_cdk_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {
        module
        for override in config["tool"]["mypy"]["overrides"]
        if override.get("follow_imports") == "normal"
        for module in override["module"]
        if module.split(".")[0] == "aws_cdk"
    }


def imported_cdk_modules() -> set[str]:
    found = set()
    for source in SOURCES:
        for path in [source] if source.is_file() else source.rglob("*.py"):
            found |= cdk_imports(ast.parse(path.read_text()))
    return found


def cdk_imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_cdk"):
            found.add(node.module or "")
            if node.module == "aws_cdk":  # from aws_cdk import aws_kms as kms
                found |= {f"aws_cdk.{a.name}" for a in node.names if a.name.startswith("aws_")}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("aws_cdk")}
    return found


def test_every_cdk_module_the_app_imports_is_type_checked_and_no_other() -> None:
    assert followed_cdk_modules() == imported_cdk_modules() | {"aws_cdk"}
