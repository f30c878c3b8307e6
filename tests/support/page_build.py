"""The privacy centre as built (``web/build.mjs``): which scripts a built page loads, read from
the built files themselves (esbuild's output names its imports as ``from"./x.js"`` or
``import"./x.js"``, and those it loads when needed as ``import("./x.js")``)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

ENTRY = re.compile(r'<script type="module" src="([^"]+)"')
STATIC = re.compile(r'(?:\bfrom|\bimport)\s*"(\./[^"]+)"')
WHEN_NEEDED = re.compile(r'\bimport\("(\./[^"]+)"\)')


def scripts(dist: Path, *, when_needed: bool) -> set[str]:
    """The page's module script and what it imports, transitively, as paths inside ``dist``:
    statically only (what runs before the first screen), or also what it imports when needed
    (every script the page may ask for)."""
    (entry,) = ENTRY.findall((dist / "index.html").read_text())
    found: set[str] = set()
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        code = (dist / name).read_text()
        imported = STATIC.findall(code) + (WHEN_NEEDED.findall(code) if when_needed else [])
        pending += [
            posixpath.normpath(posixpath.join(posixpath.dirname(name), i)) for i in imported
        ]
    return found
