"""What the CLI prints: tables for people, the answer's JSON for scripts, errors that say what
went wrong in the staff member's terms."""

from __future__ import annotations

import json
from typing import Any

from ongpt_staff.commands import Command

MAX_CELL = 60


def as_json(answer: Any) -> str:
    return json.dumps(answer, ensure_ascii=False, indent=2)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = " ".join(str(value).split())  # no line breaks inside a table
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in lines
    )


def for_people(command: Command, answer: Any) -> str:
    """A table of the answer's list (``command.rows``), then its other values as ``name: value``
    lines, then, if there is a page after it, the option that reads it (the cursor in full); an
    answer without a list as ``name: value`` lines."""
    if not isinstance(answer, dict):
        return _cell(answer)
    parts: list[str] = []
    rest = dict(answer)
    following = None
    if command.rows is not None:
        following = rest.pop("next", None)
        items = rest.pop(command.rows, [])
        if items:
            parts.append(
                table(
                    [[_cell(item.get(c)) for c in command.columns] for item in items],
                    list(command.columns),
                )
            )
        else:
            parts.append(f"(no {command.rows.replace('_', ' ')})")
    width = max((len(k) for k in rest), default=0)
    parts.extend(f"{key.ljust(width)}  {_cell(value)}" for key, value in rest.items())
    if following:
        parts.append(f"more: the next page is --cursor {following}")
    return "\n".join(parts)


def error_message(command: Command, role_name: str, status: int, answer: Any) -> str:
    """The API's refusal in the staff member's terms: a 403 as what their role may not do, a 400
    with each field at fault."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if error is None:  # API Gateway's own: {"Message": ...} from IAM, else {"message": ...}
        found = answer if isinstance(answer, dict) else {}
        message = str(found.get("Message") or found.get("message") or "")
        if status == 403 and "not authorized" in message:
            return f"your role ({role_name}) may not {command.summary} (refused by IAM)"
        return f"{status}: {message or 'no answer'}"
    code, message = error.get("code", "ERROR"), error.get("message", "")
    if status == 403 and code == "FORBIDDEN":
        return f"your role ({role_name}) may not {command.summary}: {message}"
    lines = [f"{status} {code}: {message}"]
    lines.extend(f"  {f.get('field')}: {f.get('message')}" for f in error.get("fields") or [])
    return "\n".join(lines)
