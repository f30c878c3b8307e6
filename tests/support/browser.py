"""Headless Chromium for the privacy centre's tests: Debian's ``chromium`` driven by Playwright,
axe-core run in the page, screenshots under ``.build/screenshots``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".build" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
MISSING = (
    "Chromium is missing: the browser tests need Debian's `chromium` package "
    "(`apt-get install chromium`, see README *Prerequisites*); CHROMIUM names another binary."
)


def chromium_path() -> str:
    """The Chromium binary to drive, or a clear error (never a silent skip)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).is_file():
        raise RuntimeError(MISSING)
    return found


def launch_options() -> dict[str, Any]:
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses root
    return {"executable_path": chromium_path(), "args": args}


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 AA).
    Evaluated through the DevTools protocol, which the page's CSP does not govern."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']})"
    )
    if not result["passes"]:
        raise RuntimeError("axe-core checked nothing: is the page rendered?")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
