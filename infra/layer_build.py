"""Builds the shared Lambda layer offline-friendly and without Docker (DESIGN.md, Packaging).

pip installs the pinned third-party packages as wheels for the Lambda runtime and architecture
(``--platform manylinux2014_aarch64 --only-binary=:all:``), and the shared package is copied
beside them. The result is cached under ``.build/`` keyed by a digest of its inputs, so a synth
rebuilds only when the requirements or the shared code change, and pip's own cache lives in
``.cache/pip`` inside the project.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER_SOURCE = ROOT / "layers" / "core"
BUILD_DIR = ROOT / ".build" / "layer-core"
PIP_CACHE = ROOT / ".cache" / "pip"

PYTHON_VERSION = "3.14"  # must match the Lambda runtime in infra/functions.py
PLATFORM = "manylinux2014_aarch64"  # must match the Lambda architecture (arm64)


def _inputs() -> list[Path]:
    requirements = LAYER_SOURCE / "requirements.txt"
    package = sorted(  # its data files too (the message templates)
        p
        for p in (LAYER_SOURCE / "python" / "ongpt").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    return [requirements, *package]


def digest() -> str:
    """A digest of everything that goes into the layer, and of how it is built."""
    h = hashlib.sha256(f"{PYTHON_VERSION}|{PLATFORM}".encode())
    for path in _inputs():
        h.update(str(path.relative_to(LAYER_SOURCE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def build_layer() -> Path:
    """The layer folder (``python/...`` inside), rebuilt only when its inputs changed. One
    process builds at a time (parallel test workers each synthesize); the others wait, then
    find it built."""
    BUILD_DIR.parent.mkdir(parents=True, exist_ok=True)
    with (BUILD_DIR.parent / "layer-core.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = BUILD_DIR / ".digest"
        wanted = digest()
        if not (stamp.exists() and stamp.read_text() == wanted):
            _build(wanted)
    return BUILD_DIR


def _build(wanted: str) -> None:
    staging = Path(tempfile.mkdtemp(prefix="layer-", dir=BUILD_DIR.parent))
    target = staging / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            # No bytecode: pip would write this interpreter's (3.11); Lambda runs 3.14, whose
            # bytecode only a 3.14 interpreter can write, so the layer ships sources only.
            "--no-compile",
            "--requirement",
            str(LAYER_SOURCE / "requirements.txt"),
            "--target",
            str(target),
            "--no-deps",
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            PYTHON_VERSION,
            "--only-binary=:all:",
        ],
        check=True,
        env={**os.environ, "PIP_CACHE_DIR": str(PIP_CACHE)},
    )
    shutil.copytree(
        LAYER_SOURCE / "python" / "ongpt",
        target / "ongpt",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    for cache in target.rglob("__pycache__"):  # any a wheel itself ships
        shutil.rmtree(cache)
    (staging / ".digest").write_text(wanted)
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    staging.rename(BUILD_DIR)


if __name__ == "__main__":
    print(build_layer())
