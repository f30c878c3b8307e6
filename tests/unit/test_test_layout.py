"""The tests' own layout: fixtures are shared by conftest.py files (pytest finds them by name),
helpers by ``tests/support``; no module imports a test module (whose tests it would tie itself
to, and which a tier run on its own might not collect) or a conftest."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TEST_MODULE = re.compile(r"(^|\.)test_\w+$")


@functools.cache
def parsed(path: Path) -> ast.Module:
    """A test file's syntax tree, parsed once for every test here."""
    return ast.parse(path.read_text(), str(path))


@functools.cache
def imported_modules(path: Path) -> tuple[str, ...]:
    """Every module ``path`` imports, as a dotted name (relative imports resolved)."""
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names += [module] if node.module else [f"{module}.{a.name}" for a in node.names]
    return tuple(names)


def test_no_test_module_imports_another() -> None:
    found = [
        f"{path.relative_to(TESTS)} imports {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for module in imported_modules(path)
        if module.startswith("tests.") and TEST_MODULE.search(module)
    ]
    assert found == []


def test_nothing_imports_from_a_conftest() -> None:
    """Fixtures come from conftest.py files by name, helpers from ``tests/support``: a module
    importing a conftest would tie itself to another tier's fixtures and plugins."""
    found = [
        f"{path.relative_to(TESTS)} imports {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for module in imported_modules(path)
        if module.startswith("tests.") and re.search(r"(^|\.)conftest(\.|$)", module)
    ]
    assert found == []


def test_clause_marks_are_on_tests_not_on_modules() -> None:
    """A policy clause mark says which tests prove the clause (``make compliance``): on a whole
    module it would claim the module's every test."""
    found = [
        str(path.relative_to(TESTS))
        for path in sorted(TESTS.rglob("*.py"))
        for node in parsed(path).body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and "mark.clause" in ast.unparse(node.value)
    ]
    assert found == []


OTHER_TIERS = ("tests.integration", "tests.e2e", "tests.infra")


def test_unit_tests_neither_synthesize_nor_import_the_cdk() -> None:
    """``make unit`` takes seconds: what collecting the unit tests imports (the shared conftest,
    its plugins, every unit module) loads no CDK (seconds to import). When this session collected
    the unit tier alone (``make unit``), that is this process; otherwise a fresh interpreter
    imports them directly, as pytest's collection does, without its start-up."""
    unit = [f"tests.unit.{path.stem}" for path in sorted((TESTS / "unit").glob("[!_]*.py"))]
    if all(name in sys.modules for name in unit) and not any(
        name.startswith(OTHER_TIERS) for name in sys.modules
    ):
        assert "aws_cdk" not in sys.modules
        return
    probe = (
        "import importlib, sys\n"
        "import tests.conftest as shared\n"
        "for plugin in shared.pytest_plugins: importlib.import_module(plugin)\n"
        f"for name in {unit!r}: importlib.import_module(name)\n"
        "sys.exit('aws_cdk' in sys.modules and 99)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=TESTS.parent, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
