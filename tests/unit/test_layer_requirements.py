"""The layer pins exactly what the shared package needs at run time: the distributions it imports
and their dependencies, no package nobody imports (each one is cold-start time and attack
surface in every function)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from importlib import metadata

from infra import layer_build

PACKAGE = layer_build.LAYER_SOURCE / "python" / "ongpt"
RUNTIME_PROVIDED = {"boto3", "botocore"}  # the Lambda runtime's, with their dependencies
EXTRAS_USED = {"aws-lambda-powertools": {"tracer"}}  # the Tracer records through the X-Ray SDK
EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> set[str]:
    lines = (layer_build.LAYER_SOURCE / "requirements.txt").read_text().splitlines()
    return {canonical(line.split("==")[0]) for line in lines if line and not line.startswith("#")}


def runtime_imports(tree: ast.AST) -> Iterator[str]:
    """Top-level modules imported at run time (not under ``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            yield from runtime_imports(ast.Module(body=node.orelse, type_ignores=[]))
        elif isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        else:
            yield from runtime_imports(node)


def needed() -> set[str]:
    """The distributions the package imports, and theirs (with the extras it uses)."""
    modules = {
        m for path in PACKAGE.rglob("*.py") for m in runtime_imports(ast.parse(path.read_text()))
    }
    providers = metadata.packages_distributions()
    todo = [canonical(d) for m in modules - {"ongpt"} for d in providers.get(m, [])]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found | RUNTIME_PROVIDED:
            continue
        found.add(name)
        for requirement in metadata.requires(name) or []:
            extra = EXTRA.search(requirement)
            if extra is None or extra.group(1) in EXTRAS_USED.get(name, set()):
                todo.append(canonical(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0]))
    return found


def test_the_layer_pins_what_the_package_imports_and_nothing_else() -> None:
    assert pinned() == needed()
