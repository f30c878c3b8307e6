"""``ongpt-staff``: the staff routes of the OnGPT Accounts API, one command each.

Every request is signed (SigV4) as your own staff role: the CLI assumes Support, Compliance or
Admin from your AWS profile (your IAM user, with an MFA code; or an SSO profile of your IAM
Identity Center permission set, after `aws sso login`), under your own user name (the staff id
the audit log records). What each role may do is API.md's principal table; a refusal says so.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests
from botocore.exceptions import BotoCoreError, ClientError

from ongpt_staff.commands import COMMANDS, Command, request_of
from ongpt_staff.connect import LOCAL_CONFIG, ROLE_NAMES, STACK_NAME, ConnectError, Target, connect
from ongpt_staff.output import as_json, error_message, for_people

EXIT_REFUSED = 1  # the API said no, or the CLI could not reach it
EXIT_PROBLEM = 3  # the API answered, and the answer is bad news (an audit chain that fails)

EXAMPLES = """examples:
  ongpt-staff --role support customers search --email an@example.com --purpose customer_support
  ongpt-staff --role compliance --json audit show CUSTOMER_ID
  ongpt-staff --local --role admin complaints list            # the local runtime (make run)
"""


def _stderr_prompt(text: str) -> str:
    sys.stderr.write(text)
    sys.stderr.flush()
    return sys.stdin.readline()


def _connection_options(parser: argparse.ArgumentParser, *, leaf: bool) -> None:
    """The options of every command; on a command's own parser they default to nothing, so that
    they may come before or after the command's name."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if leaf else value

    parser.add_argument(
        "--role",
        choices=sorted(ROLE_NAMES),
        default=default(None),
        help="your staff role (required): Support, Compliance or Admin",
    )
    parser.add_argument(
        "--json", action="store_true", default=default(False), help="print the answer's JSON"
    )
    parser.add_argument(
        "--local",
        action="store_true",
        default=default(False),
        help="the local runtime (make run) instead of AWS",
    )
    parser.add_argument(
        "--local-config",
        default=default(str(LOCAL_CONFIG)),
        metavar="PATH",
        help=f"the local runtime's config (default {LOCAL_CONFIG})",
    )
    parser.add_argument(
        "--staff-id",
        default=default(None),
        help="local only: who you are (deployed: your IAM or Identity Center user)",
    )
    parser.add_argument(
        "--profile", default=default(None), help="your AWS profile (an IAM user's, or SSO)"
    )
    parser.add_argument("--region", default=default(None), help="the stack's region")
    parser.add_argument(
        "--stack", default=default(STACK_NAME), help="the stack whose ApiUrl output to call"
    )
    parser.add_argument("--api-url", default=default(None), help="the API's URL, as it is")
    parser.add_argument(
        "--mfa-serial",
        default=default(None),
        help="your MFA device's ARN (default: the profile's mfa_serial, else arn:...:mfa/<you>)",
    )
    parser.add_argument(
        "--idempotency-key",
        default=default(None),
        help="sent with a POST: a retry with the same key does nothing twice",
    )


def parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {c.title:<26} {c.method} {c.path}" for c in COMMANDS)
    top = argparse.ArgumentParser(
        prog="ongpt-staff",
        description=__doc__,
        epilog=f"commands:\n{listing}\n\n{EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _connection_options(top, leaf=False)
    groups = top.add_subparsers(dest="group", metavar="GROUP", required=True)
    by_group: dict[str, Any] = {}
    for command in COMMANDS:
        if command.group not in by_group:
            group = groups.add_parser(command.group, help=f"{command.group} commands")
            by_group[command.group] = group.add_subparsers(
                dest="command", metavar="COMMAND", required=True
            )
        leaf = by_group[command.group].add_parser(
            command.name,
            help=f"{command.method} {command.path}",
            description=f"{command.method} {command.path}",
            epilog=f"example:\n  {command.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        leaf.set_defaults(run=command)
        for arg in command.every_arg:
            _add(leaf, arg)
        _connection_options(leaf, leaf=True)
    return top


def _add(parser: argparse.ArgumentParser, arg: Any) -> None:
    if arg.switch:
        parser.add_argument(arg.option, dest=arg.name, action="store_true", help=arg.help)
    elif arg.where == "path" or arg.positional:
        parser.add_argument(arg.name, choices=arg.choices, help=arg.help)
    else:
        parser.add_argument(
            arg.option,
            dest=arg.name,
            required=arg.required,
            choices=arg.choices,
            default=arg.default,
            action="append" if arg.many else "store",
            help=arg.help,
        )


def main(argv: Sequence[str] | None = None, prompt: Callable[[str], str] = _stderr_prompt) -> int:
    top = parser()
    args = top.parse_args(argv)
    if args.role is None:
        top.error("--role is required (support, compliance or admin)")
    command: Command = args.run
    target = Target(
        role=args.role,
        local_config=Path(args.local_config) if args.local else None,
        staff_id=args.staff_id,
        profile=args.profile,
        region=args.region,
        stack=args.stack,
        api_url=args.api_url,
        mfa_serial=args.mfa_serial,
    )
    try:
        session = connect(target, prompt)
        path, body = request_of(command, vars(args))
        headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else None
        response = session.request(command.method, path, json_body=body, headers=headers)
    except (ConnectError, requests.RequestException, BotoCoreError, ClientError) as error:
        print(f"ongpt-staff: {error}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        answer = response.json()
    except ValueError:
        answer = {"message": response.text}
    if not response.ok:
        role_name = ROLE_NAMES[target.role]
        print(error_message(command, role_name, response.status_code, answer), file=sys.stderr)
        return EXIT_REFUSED
    print(as_json(answer) if args.json else for_people(command, answer))
    problem = command.problem(answer) if command.problem else None
    if problem:
        print(f"ongpt-staff: {problem}", file=sys.stderr)
        return EXIT_PROBLEM
    return 0
