"""The tests' own layout: a test module imports shared fixtures from conftest.py files and
helpers from ``tests/support``, never from another test module (whose tests it would tie
itself to, and which a tier run on its own might not collect)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TEST_MODULE = re.compile(r"(^|\.)test_\w+$")


def imported_modules(path: Path) -> list[str]:
    """Every module ``path`` imports, as a dotted name (relative imports resolved)."""
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names += [module] if node.module else [f"{module}.{a.name}" for a in node.names]
    return names


def test_no_test_module_imports_another() -> None:
    found = [
        f"{path.relative_to(TESTS)} imports {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for module in imported_modules(path)
        if module.startswith("tests.") and TEST_MODULE.search(module)
    ]
    assert found == []


def test_unit_tests_neither_synthesize_nor_import_the_cdk() -> None:
    """``make unit`` takes seconds: collecting the unit tests loads no CDK (seconds to import)."""
    probe = (
        "import sys, pytest\n"
        "code = pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', 'tests/unit'])\n"
        "sys.exit(code or ('aws_cdk' in sys.modules and 99))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=TESTS.parent, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:]
