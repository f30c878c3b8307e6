"""The staff CLI's command table, ``cli/ongpt_staff/commands.toml``: it declares every staff route
of the API, each path value as a path argument, and a table that says anything ``Command`` and
``Arg`` do not take fails the load, naming where."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from infra.catalogue import API_FUNCTIONS
from ongpt_staff import commands
from ongpt_staff.commands import COMMANDS, CommandTableError, load

CLI = Path(commands.__file__).parents[1]

ONE_COMMAND = """
[choices]
decisions = ["approve", "reject"]

[[command]]
group = "edit-requests"
name = "decide"
method = "POST"
path = "/v1/staff/edit-requests/{edit_request_id}/decision"
summary = "decide edit requests"
args = [
  { name = "edit_request_id", help = "the request's id", where = "path" },
  { name = "decision", help = "approve or reject", required = true, choices = "decisions" },
]
example = "ongpt-staff --role support edit-requests decide REQUEST_ID approve"
problem = "audit_chain_broken"
"""


def test_the_table_has_one_command_per_staff_route_of_the_api() -> None:
    staff_routes = {
        (route.method, route.path)
        for function in API_FUNCTIONS
        for route in function.routes
        if route.path.startswith("/v1/staff/")
    }
    routes = [(command.method, command.path) for command in COMMANDS]
    assert sorted(routes) == sorted(staff_routes)
    assert len({command.title for command in COMMANDS}) == len(COMMANDS)


def test_each_path_value_is_a_path_argument() -> None:
    for command in COMMANDS:
        in_path = set(re.findall(r"\{(\w+)\}", command.path))
        assert in_path == {a.name for a in command.args if a.where == "path"}, command.title


def test_a_table_as_the_cli_reads_it_loads_with_its_choices_and_problem() -> None:
    (decide,) = load(ONE_COMMAND)
    assert (decide.group, decide.name, decide.method) == ("edit-requests", "decide", "POST")
    assert decide.args[1].choices == ("approve", "reject")
    assert decide.args[1].required is True
    assert decide.problem is commands.PROBLEMS["audit_chain_broken"]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('required = true, choices = "decisions"', "requird = true"), "unknown requird"),
        (('summary = "decide edit requests"\n', ""), "missing summary"),
        (("required = true", 'required = "yes"'), "required is not true or false"),
        (('choices = "decisions"', 'choices = "verdicts"'), "choices 'verdicts' is not known"),
        (('where = "path"', 'where = "header"'), "where 'header' is not known"),
        (('problem = "audit_chain_broken"', 'problem = "no_check"'), "problem 'no_check'"),
        (("[choices]", "[choice]"), "[choices] and [[command]], not choice, command"),
    ],
)
def test_a_table_that_says_what_the_cli_does_not_take_fails_the_load(
    change: tuple[str, str], said: str
) -> None:
    with pytest.raises(CommandTableError) as failed:
        load(ONE_COMMAND.replace(*change))
    assert said in str(failed.value)
    assert said.startswith("[choices]") or "'edit-requests' 'decide'" in str(failed.value)


def test_an_installed_cli_has_its_table() -> None:
    """The table is package data: an installed (not editable) CLI finds it beside its modules."""
    setuptools = tomllib.loads((CLI / "pyproject.toml").read_text())["tool"]["setuptools"]
    data = [path.name for path in (CLI / "ongpt_staff").iterdir() if path.suffix not in {".py"}]
    assert sorted(setuptools["package-data"]["ongpt_staff"]) == sorted(
        name for name in data if name != "__pycache__"
    )
