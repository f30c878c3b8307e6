"""Headless Chromium for the privacy centre's tests: Debian's ``chromium`` driven by Playwright,
axe-core run in the page, screenshots under ``.build/screenshots``."""

from __future__ import annotations

import os
import re
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


# What a page must never show: the API's codes and values as it stores them.
RAW_VALUES = (
    (re.compile(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b"), "an UPPER_SNAKE code"),
    (
        re.compile(
            r"\b(?:ACTIVE|CLOSING|ERASED|OPEN|RESOLVED|REJECTED|APPLIED|WITHDRAWN|EXPIRED)\b"
        ),
        "a status",
    ),
    (re.compile(r"(?<![\w@.])[a-z]+(?:_[a-z]+)+(?![\w@])"), "a snake_case code"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}"), "a date as stored"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b"), "a time with seconds"),
    (re.compile(r"\+84\d"), "a phone number as stored"),
)
# English function words no Vietnamese text of the page holds (checked as whole words, any case).
ENGLISH = frozenset((
    "the", "and", "of", "your", "you", "is", "are", "was", "with", "for", "this", "that",
    "not", "has", "have", "please", "our", "we", "from", "will", "been", "can", "here",
    "what", "who", "when", "why", "how", "sign", "code", "codes", "data", "request", "page",
    "sent", "send", "account", "password", "phone", "number", "my", "me", "at", "by", "it",
    "or", "more", "show", "download", "close", "app",
))  # fmt: skip


def words_problems(text: str, lang: str, codes: tuple[str, ...] = ()) -> list[str]:
    """What in a page's text is a raw value (or one of ``codes``, values the test stored, such as
    partner slugs), and on a Vietnamese page any English word."""
    found = [
        f"{what}: {m.group(0)!r}" for pattern, what in RAW_VALUES for m in pattern.finditer(text)
    ]
    found += [
        f"a stored value: {code!r}"
        for code in codes
        if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
    ]
    if lang == "vi":
        found += sorted(
            {f"English: {w!r}" for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH}
        )
    return found
