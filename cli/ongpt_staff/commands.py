"""The commands: one per staff route of API.md, declared as data in ``commands.toml`` and read
here, strictly, into ``Command`` and ``Arg`` (each arg says where its value goes: path, query or
body). A new route is one more ``[[command]]`` there."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")
PLACES = ("path", "query", "body")


@dataclass(frozen=True)
class Arg:
    """One value of the request: ``name`` is the API's own name for it."""

    name: str
    help: str
    where: Literal["path", "query", "body"] = "body"
    required: bool = False
    choices: tuple[str, ...] | None = None
    positional: bool = False  # path values always are
    many: bool = False  # a list: the option is repeated
    switch: bool = False  # a yes/no option, sent as ``true`` when given
    default: str | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


# What every list command takes besides its own args: the page's size, and where it starts.
PAGE_ARGS = (
    Arg("limit", "items on the page, 1 to 100 (default 50)", where="query"),
    Arg("cursor", "the page after the one that printed this cursor as next", where="query"),
)


@dataclass(frozen=True)
class Command:
    group: str
    name: str
    summary: str  # completes "your role may not ..."
    method: str
    path: str  # API.md's path, ``{name}`` for path values
    args: tuple[Arg, ...]
    example: str
    rows: str | None = None  # the answer's list, shown as a table of ``columns``
    columns: tuple[str, ...] = ()
    problem: Callable[[dict[str, Any]], str | None] | None = None  # a 2xx answer that is bad news

    @property
    def title(self) -> str:
        return f"{self.group} {self.name}"

    @property
    def every_arg(self) -> tuple[Arg, ...]:
        """Its args and, for a list (every list answer is a page, API.md v1.2), the page's."""
        return (*self.args, *PAGE_ARGS) if self.rows is not None else self.args


def _audit_chain_broken(answer: dict[str, Any]) -> str | None:
    verification = answer.get("verification") or {}
    if verification.get("valid", True):
        return None
    bad = verification.get("first_bad") or {}
    return (
        f"the audit chain does NOT verify: entry {bad.get('sequence')} is {bad.get('reason')} "
        "(see docs/runbooks.md, AuditChainsBroken)"
    )


# The checks a command's ``problem`` names.
PROBLEMS = {"audit_chain_broken": _audit_chain_broken}


class CommandTableError(Exception):
    """``commands.toml`` says something ``Command`` and ``Arg`` do not take."""


def _texts(values: list[str]) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise TypeError("not a list of text")
    return tuple(values)


def _one_of(options: tuple[str, ...], value: str) -> str:
    if value not in options:
        raise KeyError(value)
    return value


def _strict(
    kind: type[D], table: dict[str, Any], where: str, made: dict[str, Callable[[Any], object]]
) -> D:
    """The ``kind`` that ``table`` declares: its keys are ``kind``'s fields, with every field that
    has no default; a value is ``made`` into the field's, or is a flag's true or false (a field
    whose default is ``False``), or else text."""
    fields = {field.name: field for field in dataclasses.fields(kind)}
    needed = {name for name, field in fields.items() if field.default is dataclasses.MISSING}
    if unknown := sorted(table.keys() - fields.keys()):
        raise CommandTableError(f"{where}: unknown {', '.join(unknown)}")
    if missing := sorted(needed - table.keys()):
        raise CommandTableError(f"{where}: missing {', '.join(missing)}")
    values: dict[str, object] = {}
    for name, value in table.items():
        try:
            values[name] = made[name](value) if name in made else value
        except (KeyError, TypeError) as error:
            raise CommandTableError(f"{where}: {name} {value!r} is not known ({error})") from None
        flag = fields[name].default is False
        if name not in made and not isinstance(value, bool if flag else str):
            raise CommandTableError(f"{where}: {name} is not {'true or false' if flag else 'text'}")
    return kind(**values)


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CommandTableError(f"{where}: not a table")
    return value


def _arg(value: object, where: str, sets: dict[str, tuple[str, ...]]) -> Arg:
    table = _table(value, f"{where}, an arg")
    made: dict[str, Callable[[Any], object]] = {
        "where": partial(_one_of, PLACES),
        "choices": sets.__getitem__,
    }
    return _strict(Arg, table, f"{where}, arg {table.get('name')!r}", made)


def _command(value: object, sets: dict[str, tuple[str, ...]]) -> Command:
    table = _table(value, "a command")
    where = f"command {table.get('group')!r} {table.get('name')!r}"

    def args(values: list[object]) -> tuple[Arg, ...]:
        return tuple(_arg(each, where, sets) for each in values)

    made: dict[str, Callable[[Any], object]] = {
        "args": args,
        "columns": _texts,
        "problem": PROBLEMS.__getitem__,
    }
    return _strict(Command, table, where, made)


def load(text: str) -> tuple[Command, ...]:
    """The commands that ``text``, TOML as ``commands.toml``, declares."""
    declared = tomllib.loads(text)
    if declared.keys() != {"choices", "command"}:
        raise CommandTableError(f"[choices] and [[command]], not {', '.join(sorted(declared))}")
    try:
        sets = {name: _texts(values) for name, values in declared["choices"].items()}
    except (AttributeError, TypeError) as error:
        raise CommandTableError(f"[choices]: {error}") from None
    return tuple(_command(table, sets) for table in declared["command"])


COMMANDS = load(files("ongpt_staff").joinpath("commands.toml").read_text(encoding="utf-8"))


def request_of(command: Command, values: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The path (with its query) and the JSON body of ``command`` given the parsed values."""
    path = command.path
    query: list[str] = []
    body: dict[str, Any] = {}
    for arg in command.every_arg:
        value = values.get(arg.name)
        if value is None or value is False:
            continue
        if arg.where == "path":
            path = path.replace("{" + arg.name + "}", quote(str(value), safe=""))
        elif arg.where == "query":
            query.append(f"{arg.name}={quote('true' if value is True else str(value), safe='')}")
        else:
            body[arg.name] = value
    if query:
        path += "?" + "&".join(query)
    return path, (body if command.method in ("POST", "PUT", "PATCH") else None)
