"""The cold-start benchmark measures what it says (issue 13, item 6): this tree's shared package,
from the layer's folder as on Lambda (not wherever the venv's editable install points), imported
from bytecode the run compiles into a cache of its own (not whatever the working copy holds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infra.layer_build import LAYER_SOURCE
from tests.bench.cold_start import _environment

WHERE_FROM = "import ongpt.platform.errors as m; print(m.__file__, m.__cached__)"


def test_the_benchmark_imports_this_trees_layer_from_its_own_bytecode(tmp_path: Path) -> None:
    environment = _environment(str(tmp_path))
    for _ in range(2):  # the first run compiles, the next imports what it compiled
        found = subprocess.check_output(
            [sys.executable, "-c", WHERE_FROM], env=environment, text=True
        ).split()
    source, cached = found
    assert Path(source).is_relative_to(LAYER_SOURCE / "python")
    assert Path(cached).is_relative_to(tmp_path)
    assert Path(cached).is_file()
