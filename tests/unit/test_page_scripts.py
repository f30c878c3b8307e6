"""The privacy centre's own scripts, tested by Node's test runner (``web/test``): no browser, no
network, a second or so: token renewal (session.test.js), both languages complete (i18n.test.js)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"


def test_the_pages_scripts_pass_their_node_tests() -> None:
    node = shutil.which("node")
    assert node, "Node is a prerequisite (README)"
    run = subprocess.run(
        [node, "--test", "test/"], cwd=WEB, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# fail 0" in run.stdout
