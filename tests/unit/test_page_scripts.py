"""The privacy centre's own scripts, tested by Node's test runner (``web/test``): no browser, no
network, a few seconds: token renewal (session.test.js), both languages complete (i18n.test.js),
every value in words (words.test.js), dates and phone numbers (format.test.js), the first
screen's scripts within the old page's size and preloaded (bundle.test.js, which builds the page);
and the page's dates are the notices' (ongpt.notify.delivery)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ongpt.notify.delivery import said_on

WEB = Path(__file__).resolve().parents[2] / "web"


def test_the_pages_scripts_pass_their_node_tests() -> None:
    node = shutil.which("node")
    assert node, "Node is a prerequisite (README)"
    run = subprocess.run(
        [node, "--test", "test/"], cwd=WEB, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# fail 0" in run.stdout


def test_the_page_and_the_notices_say_the_same_day() -> None:
    """web/src/format.js (the page) and ongpt.notify.delivery (the SMS and email) put a time on
    the same day, in Vietnam, worded alike."""
    times = ["2027-11-30T23:59:59Z", "2027-11-30T16:59:59Z", "2027-01-01T00:00:00Z", "1990-05-17"]
    script = (
        "import('./src/format.js').then(f => console.log(JSON.stringify("
        f"{times!r}.flatMap(t => ['vi', 'en'].map(l => f.dateOf(t, l))))))"
    )
    node = shutil.which("node")
    assert node
    run = subprocess.run(
        [node, "-e", script], cwd=WEB, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(run.stdout) == [said_on(t, lang) for t in times for lang in ("vi", "en")]
