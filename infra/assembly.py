"""A synthesized cloud assembly's stacks read as one template: for the guardrails
(``infra/guardrails.py``), the local runtime (``local/template.py``) and the tests.

The stacks refer to each other through exports and ``Fn::ImportValue`` (``infra/stack.py``).
Read as one, their resources and outputs are together (logical ids are unique across the app's
stacks) and each import is the value its exporting stack's output declares, which names a
resource of the one template: a reference to another stack's resource reads as one within a
stack would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Template = dict[str, Any]


def stack_templates(assembly_dir: Path) -> dict[str, Template]:
    """Each stack's template in the assembly, by stack name, in the manifest's order."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    return {
        name: json.loads((assembly_dir / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def merged(templates: Iterable[Template]) -> Template:
    """The templates as one: resources and outputs together, each import resolved."""
    body: Template = {"Resources": {}, "Outputs": {}}
    for template in templates:
        for section in ("Resources", "Outputs"):
            found = template.get(section, {})
            clash = body[section].keys() & found.keys()
            assert not clash, f"{section} in two stacks: {sorted(clash)}"
            body[section].update(found)
    exports = {
        output["Export"]["Name"]: output["Value"]
        for output in body["Outputs"].values()
        if "Export" in output
    }
    return _imports_resolved(body, exports)  # type: ignore[no-any-return]


def _imports_resolved(value: Any, exports: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_imports_resolved(v, exports) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::ImportValue"}:
        return exports[value["Fn::ImportValue"]]
    return {k: _imports_resolved(v, exports) for k, v in value.items()}
