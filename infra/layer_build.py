"""Builds the shared Lambda layer offline-friendly and without Docker (DESIGN.md, Packaging).

pip installs the pinned third-party packages as wheels for the Lambda runtime and architecture
(``--platform manylinux2014_aarch64 --only-binary=:all:``), and the shared package is copied
beside them. The result is cached under ``.build/`` keyed by a digest of its inputs, so a synth
rebuilds only when the requirements or the shared code change, and pip's own cache lives in
``.cache/pip`` inside the project.

Bytecode: ``/opt`` is read-only on Lambda, so a layer without bytecode for the runtime's Python
is compiled again at every cold start (about twice the import time: docs/benchmarks.md). Only
that Python writes its bytecode, so the build compiles the layer with ``python3.14`` when this
machine has it, else inside the runtime's build image when Docker runs
(``Runtime.PYTHON_3_14.bundling_image``), else ships sources only and says so
(``infra/functions.py`` warns, and ``make deploy`` refuses).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER_SOURCE = ROOT / "layers" / "core"
BUILD_DIR = ROOT / ".build" / "layer-core"
PIP_CACHE = ROOT / ".cache" / "pip"

PYTHON_VERSION = "3.14"  # must match the Lambda runtime in infra/functions.py
PLATFORM = "manylinux2014_aarch64"  # must match the Lambda architecture (arm64)
BYTECODE_TAG = "cpython-" + PYTHON_VERSION.replace(".", "")  # its bytecode files' tag
# The image CDK bundles Python 3.14 functions in (``Runtime.PYTHON_3_14.bundling_image``).
BUILD_IMAGE = "public.ecr.aws/sam/build-python" + PYTHON_VERSION
# Sources in a layer never change, so the bytecode need not be checked against them.
COMPILE = ("-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash")


Compiler = Callable[[Path], list[str]]  # the command that compiles a folder's modules


def bytecode_compiler() -> Compiler | None:
    """How this machine runs the Lambda runtime's Python to compile a folder, or None when it
    has neither that Python nor a running Docker."""
    local = shutil.which("python" + PYTHON_VERSION)
    if local:
        return lambda folder: [local, *COMPILE, str(folder)]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True).returncode == 0:
        return lambda folder: [
            *(docker, "run", "--rm", "--user", f"{os.getuid()}:{os.getgid()}"),
            *("--volume", f"{folder}:/layer", BUILD_IMAGE),
            *("python", *COMPILE, "/layer"),
        ]
    return None


def has_bytecode(layer: Path) -> bool:
    """Whether the built layer carries bytecode for the Lambda runtime's Python."""
    return any((layer / "python" / "ongpt" / "__pycache__").glob(f"*.{BYTECODE_TAG}.pyc"))


def _inputs() -> list[Path]:
    requirements = LAYER_SOURCE / "requirements.txt"
    package = sorted(  # its data files too (the message templates)
        p
        for p in (LAYER_SOURCE / "python" / "ongpt").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    return [requirements, *package]


def digest(compiler: Compiler | None) -> str:
    """A digest of everything that goes into the layer, and of how it is built."""
    h = hashlib.sha256(f"{PYTHON_VERSION}|{PLATFORM}|{compiler is not None}".encode())
    for path in _inputs():
        h.update(str(path.relative_to(LAYER_SOURCE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def build_layer() -> Path:
    """The layer folder (``python/...`` inside), rebuilt only when its inputs or the means to
    compile it changed. One process builds at a time (parallel test workers each synthesize);
    the others wait, then find it built."""
    BUILD_DIR.parent.mkdir(parents=True, exist_ok=True)
    compiler = bytecode_compiler()
    with (BUILD_DIR.parent / "layer-core.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = BUILD_DIR / ".digest"
        wanted = digest(compiler)
        if not (stamp.exists() and stamp.read_text() == wanted):
            _build(wanted, compiler)
    return BUILD_DIR


def _build(wanted: str, compiler: Compiler | None) -> None:
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
            # Not this interpreter's bytecode: Lambda's Python would ignore it.
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
    if compiler:
        subprocess.run(compiler(target), check=True)
    (staging / ".digest").write_text(wanted)
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    staging.rename(BUILD_DIR)


if __name__ == "__main__":
    print(build_layer())
