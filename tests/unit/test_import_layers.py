"""The import layers (``pyproject.toml``, ``[tool.importlinter]``): handlers over the composition
root, the export, the areas, notify and audit, storage, platform and security, each importing
only from below; and no circle of imports among the modules of any package."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_contract_is_kept() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    declared = {c["id"] for c in contracts["contracts"]}
    assert declared == {"layers", "acyclic"}
    linter = Path(sys.executable).with_name("lint-imports")
    checked = subprocess.run(
        [str(linter), "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert f"Contracts: {len(declared)} kept, 0 broken." in checked.stdout
