"""The shared layer carries bytecode for the Lambda runtime's Python when the build machine can
write it (issue 13, item 6): ``/opt`` is read-only on Lambda, so without it every cold start
compiles the layer again. Only Python 3.14 writes 3.14 bytecode; this machine has 3.11, so the
compiling itself is shown with this interpreter standing in for it on ``PATH``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from infra import layer_build

MODULE = "answer"


def _executable(folder: Path, name: str, script: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An otherwise empty ``PATH``: no python3.14, no docker, unless a test puts one there."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def test_the_runtimes_python_compiles_bytecode_that_is_used_without_reading_the_source(
    tmp_path: Path, bin_dir: Path
) -> None:
    _executable(bin_dir, f"python{layer_build.PYTHON_VERSION}", f'exec {sys.executable} "$@"')
    layer = tmp_path / "layer" / "python"
    layer.mkdir(parents=True)
    source = layer / f"{MODULE}.py"
    source.write_text("VALUE = 42\n")
    compiler = layer_build.bytecode_compiler()
    assert compiler is not None
    subprocess.run(compiler(layer), check=True)
    # A layer's sources never change: its bytecode is not checked against them, so Lambda
    # neither reads nor compiles them (here: a source that no longer compiles is not read).
    source.write_text("this is not Python\n")
    imported = subprocess.run(
        [sys.executable, "-c", f"import {MODULE}; print({MODULE}.VALUE)"],
        env={**os.environ, "PYTHONPATH": str(layer), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "42"


def test_without_the_runtimes_python_docker_compiles_in_the_runtimes_build_image(
    tmp_path: Path, bin_dir: Path
) -> None:
    _executable(bin_dir, "docker", 'test "$1" = info')  # a Docker whose daemon answers
    compiler = layer_build.bytecode_compiler()
    assert compiler is not None
    command = compiler(tmp_path)
    assert layer_build.BUILD_IMAGE in command
    assert f"{tmp_path}:/layer" in command
    assert f"{os.getuid()}:{os.getgid()}" in command  # its files are the builder's to replace
    assert command[command.index(layer_build.BUILD_IMAGE) + 1 :] == [
        "python",
        *layer_build.COMPILE,
        "/layer",
    ]


def test_with_neither_or_a_docker_whose_daemon_is_down_the_layer_ships_sources(
    bin_dir: Path,
) -> None:
    assert layer_build.bytecode_compiler() is None
    _executable(bin_dir, "docker", "exit 1")
    assert layer_build.bytecode_compiler() is None


def test_only_the_runtimes_bytecode_counts_and_the_means_to_write_it_rebuilds_the_layer(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "python" / "ongpt" / "__pycache__"
    cache.mkdir(parents=True)
    (cache / "__init__.cpython-311.pyc").write_bytes(b"")  # a python3.14 that is not
    assert not layer_build.has_bytecode(tmp_path)
    (cache / f"__init__.{layer_build.BYTECODE_TAG}.pyc").write_bytes(b"")
    assert layer_build.has_bytecode(tmp_path)
    assert layer_build.digest(None) != layer_build.digest(lambda folder: [str(folder)])
