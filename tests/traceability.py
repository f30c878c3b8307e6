"""Policy traceability: every clause of POLICY.md is proved by tests marked ``clause(...)``.

``make compliance`` (``pytest --collect-only -q --clauses``) prints which tests prove each
clause and fails when a clause has none; ``make test`` passes ``--clauses`` to its whole run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

# Clause -> (what it says, the GDPR articles and HIPAA 164.312 safeguards it serves).
CLAUSES = {
    "P1.1": ("Registration requires name, phone, email; other details optional", "GDPR 5(1)(c)"),
    "P1.2": ("Accurate identification before access (verified email and phone)", "HIPAA 312(d)"),
    "P1.3": ("Web analytics kept unrelated to other personal information", "GDPR 5(1)(b), 25"),
    "P2.1": ("Encryption at rest and in transit", "GDPR 32(1)(a); HIPAA 312(a)(2)(iv), (e)(2)(ii)"),
    "P2.2": ("Access management with IAM", "GDPR 32; HIPAA 312(a)(1)"),
    "P2.3": ("Strong authentication: MFA and OTP", "HIPAA 312(d)"),
    "P2.4": ("GDPR and HIPAA compliance", "GDPR 5, 25, 32; HIPAA 312 (cdk-nag HIPAA pack)"),
    "P2.5": ("Monitoring and logging with CloudWatch and CloudTrail", "HIPAA 312(b)"),
    "P2.6": ("API requests protected with AWS Signature Version 4", "HIPAA 312(c)(1), (e)(1)"),
    "P3.1": ("Use: managing and granting access", "GDPR 5(1)(b), 6(1)(b)"),
    "P3.2": ("Use: confirming and delivering contracts", "GDPR 5(1)(b), 6(1)(b)"),
    "P3.3": ("Use: communicating updates or changes", "GDPR 6(1)(a), 7(3)"),
    "P3.4": ("Use: inviting to upgrade or renew near expiration", "GDPR 5(1)(b), 6(1)(b)"),
    "P3.5": ("Use: customer care and support", "GDPR 5(1)(b), 6(1)(b)"),
    "P3.6": ("Use: resolving complaints and disputes", "GDPR 5(1)(b), 6(1)(b)"),
    "P3.7": ("No sharing with third parties without law or consent", "GDPR 6(1)(a),(c), 7"),
    "P4": ("Kept while the service operates, and protected", "GDPR 5(1)(e),(f); HIPAA 312(c)(1)"),
    "P5": (
        "Access only by authorised staff who need it; minimised",
        "GDPR 5(1)(f), 32(4); HIPAA 312(a)(1), (b)",
    ),
    "P6.1": ("Contact changes by a request detailing them", "GDPR 16"),
    "P6.2": ("Complaints can be made and are resolved", "GDPR 12(3)"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clauses",
        action="store_true",
        help="print the policy traceability table; fail if a clause has no test",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(*ids): the POLICY.md clauses a test proves")


def proofs(items: list[pytest.Item]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for marker in item.iter_markers("clause"):
            for clause in marker.args:
                if clause not in CLAUSES:
                    raise pytest.UsageError(f"{item.nodeid}: unknown clause {clause}")
                found[clause].append(item.nodeid)
    return found


def table(found: dict[str, list[str]]) -> str:
    lines = ["", f"{'clause':7} {'tests':>5}  what; GDPR / HIPAA 164.312; where", "-" * 100]
    for clause, (title, regulations) in CLAUSES.items():
        modules = sorted({nodeid.split("::")[0] for nodeid in found.get(clause, [])})
        lines.append(f"{clause:7} {len(found.get(clause, [])):>5}  {title}; {regulations}")
        lines += [f"{'':15}{module}" for module in modules]
    return "\n".join(lines)


def unproved(found: dict[str, list[str]]) -> str:
    """What to say of the clauses no test proves; nothing when every clause has one."""
    missing = [clause for clause in CLAUSES if not found.get(clause)]
    return f"clauses without a test: {', '.join(missing)}" if missing else ""


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.getoption("--clauses"):
        return
    found = proofs(session.items)
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: the controller reports (pytest_testnodedown)
        worker_output["clauses"] = json.dumps(found)
        return
    print(table(found))
    if unproved(found):
        raise pytest.UsageError(unproved(found))


# ``make test`` passes --clauses to its run with xdist: each worker collects the whole suite and
# sends what it found; the controller prints the table after the tests and fails the run if a
# clause has no test, instead of a collection of its own beside the suite.
FOUND = pytest.StashKey[dict[str, list[str]]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    found = getattr(node, "workeroutput", {}).get("clauses")
    if found is not None:
        node.config.stash[FOUND] = json.loads(found)


def pytest_sessionfinish(session: pytest.Session) -> None:
    found = session.config.stash.get(FOUND, None)
    if found is not None and unproved(found):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    found = terminalreporter.config.stash.get(FOUND, None)
    if found is None:
        return
    terminalreporter.write_sep("-", "policy traceability: the tests that prove each clause")
    terminalreporter.write_line(table(found))
    if unproved(found):
        terminalreporter.write_line(unproved(found))
