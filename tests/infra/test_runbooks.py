"""P2.5: every alarm of the stack has its runbook entry in docs/runbooks.md (a heading under
*Alarms* with its name, ``*`` for a family such as each function's ``*Errors``), and every entry
names an alarm that exists; the runbooks the admins need are there."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from tests.support.synthesized import resources

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks.md"


def entries() -> list[str]:
    alarms_section = RUNBOOKS.read_text().split("\n## Alarms\n", 1)[1]
    return re.findall(r"^### `([^`]+)`$", alarms_section, flags=re.MULTILINE)


@pytest.mark.clause("P2.5")
def test_every_alarm_has_exactly_one_runbook_entry_and_every_entry_an_alarm(
    template_json: dict[str, Any],
) -> None:
    names = [
        alarm["AlarmName"].removeprefix("OnGptAccounts-")
        for alarm in resources(template_json, "AWS::CloudWatch::Alarm").values()
    ]
    patterns = entries()
    for name in names:
        assert [p for p in patterns if fnmatchcase(name, p)] != [], f"no runbook entry for {name}"
        assert len([p for p in patterns if fnmatchcase(name, p)]) == 1, name
    for pattern in patterns:
        assert any(fnmatchcase(name, pattern) for name in names), f"no alarm {pattern}"


@pytest.mark.clause("P2.5")
def test_the_runbooks_the_admins_need_are_there() -> None:
    titles = re.findall(r"^## (.+)$", RUNBOOKS.read_text(), flags=re.MULTILINE)
    assert titles == [
        "Personal-data breach",
        "A key compromised",
        "Restoring a table from backup",
        "A staff member leaving",
        "Alarms",
    ]
    text = RUNBOOKS.read_text()
    for citation in ("GDPR Art. 33(1)", "GDPR Art. 34(1)", "Decree 13/2023/ND-CP, Art. 23"):
        assert citation in text
