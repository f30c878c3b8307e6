"""Policy traceability: every clause of POLICY.md is proved by tests marked ``clause(...)``.

``make compliance`` (``pytest --collect-only -q --clauses``) prints which tests prove each
clause and fails when a clause has none.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

CLAUSES = {
    "P1.1": "Registration requires name, phone, email; other details optional",
    "P1.2": "Accurate identification before access (verified email and phone)",
    "P1.3": "Web analytics kept unrelated to other personal information",
    "P2.1": "Encryption at rest and in transit",
    "P2.2": "Access management with IAM",
    "P2.3": "Strong authentication: MFA and OTP",
    "P2.4": "GDPR and HIPAA compliance",
    "P2.5": "Monitoring and logging with CloudWatch and CloudTrail",
    "P2.6": "API requests protected with AWS Signature Version 4",
    "P3.1": "Use: managing and granting access",
    "P3.2": "Use: confirming and delivering contracts",
    "P3.3": "Use: communicating updates or changes",
    "P3.4": "Use: inviting to upgrade or renew near expiration",
    "P3.5": "Use: customer care and support",
    "P3.6": "Use: resolving complaints and disputes",
    "P3.7": "No sharing with third parties without law or consent",
    "P4": "Kept while the service operates, and protected",
    "P5": "Access only by authorised staff who need it; minimised",
    "P6.1": "Contact changes by a request detailing them",
    "P6.2": "Complaints can be made and are resolved",
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


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.getoption("--clauses"):
        return
    found = proofs(session.items)
    lines = ["", f"{'clause':7} {'tests':>5}  where", "-" * 100]
    for clause, title in CLAUSES.items():
        modules = sorted({nodeid.split("::")[0] for nodeid in found.get(clause, [])})
        lines.append(f"{clause:7} {len(found.get(clause, [])):>5}  {title}")
        lines += [f"{'':15}{module}" for module in modules]
    print("\n".join(lines))
    missing = [clause for clause in CLAUSES if not found.get(clause)]
    if missing:
        raise pytest.UsageError(f"clauses without a test: {', '.join(missing)}")
