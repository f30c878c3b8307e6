"""boto3 clients are typed (boto3-stubs): ``client(name)`` has an overload for every service the
shared package asks for, and whatever holds a client says which (``DynamoDBClient``...), never
``Any``."""

from __future__ import annotations

import ast
from pathlib import Path

from ongpt.platform import aws

PACKAGE = Path(aws.__file__).resolve().parents[1]
CLIENT_NAMES = {"dynamodb", "kms", "s3", "ses", "sns", "sqs", "idp"}  # how the package names them


def trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text()) for path in sorted(PACKAGE.rglob("*.py"))}


def test_client_has_a_typed_overload_for_every_service_the_package_uses() -> None:
    # ``client("kms")``, or a composition-root gateway ``_aws("module:Class", "kms", setting)``
    service_argument = {"client": 0, "_aws": 1}
    used = {
        str(node.args[service_argument[node.func.id]].value)  # type: ignore[attr-defined]
        for tree in trees().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in service_argument
        and len(node.args) > service_argument[node.func.id]
        and isinstance(node.args[service_argument[node.func.id]], ast.Constant)
    }
    overloads = [
        node
        for node in ast.parse(Path(aws.__file__).read_text()).body
        if isinstance(node, ast.FunctionDef)
        and node.name == "client"
        and any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)
    ]
    typed = {
        ast.literal_eval(node.args.args[0].annotation.slice)  # type: ignore[union-attr]
        for node in overloads
    }
    assert {"cognito-idp", "dynamodb", "kms", "s3", "sesv2", "sns", "sqs"} <= used
    assert used <= typed, f"no typed overload: {sorted(used - typed)}"
    assert all(node.returns is not None for node in overloads)


def test_nothing_holds_a_client_typed_any() -> None:
    untyped = []
    for path, tree in trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.arg):
                name, annotation = node.arg, node.annotation
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name, annotation = node.target.id, node.annotation
            else:
                continue
            if name in CLIENT_NAMES and (
                annotation is None or (isinstance(annotation, ast.Name) and annotation.id == "Any")
            ):
                untyped.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert untyped == []
