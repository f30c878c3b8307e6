"""P2.2, P2.6, P5: every route of API.md for every principal, against one expected table.

Allowed means the gateway lets the request through to the handler (which may still answer 400
or 404 for this dummy request); denied means API Gateway's 403 before any handler runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.credentials import Credentials

from local.client import LocalClient, SignedSession
from tests.support.api_md import API_MD_ROUTES, allowed, concrete
from tests.support.signed import register, sign_in, staff, unsigned

PRINCIPALS = ("unsigned", "bad-signature", "guest", "customer", "support", "compliance", "admin")


def _sessions(
    local_runtime: LocalClient, guest: SignedSession, customer: SignedSession
) -> dict[str, Any]:
    forged = SignedSession(
        guest.api_url,
        guest.region,
        Credentials(guest.credentials.access_key, "not-the-secret", guest.credentials.token),
    )
    return {
        "bad-signature": forged,
        "guest": guest,
        "customer": customer,
        **{role: staff(local_runtime, role) for role in ("support", "compliance", "admin")},
    }


@pytest.mark.clause("P2.2", "P2.6", "P5")
def test_every_route_for_every_principal(
    local_runtime: LocalClient, guest: SignedSession, capsys: pytest.CaptureFixture[str]
) -> None:
    # A customer of its own: the matrix signs out and closes the account it calls with.
    details = register(local_runtime, guest)
    tokens = sign_in(local_runtime, details["email"], details["password"])["tokens"]
    customer = local_runtime.session(id_token=tokens["IdToken"])
    sessions = _sessions(local_runtime, guest, customer)
    rows, mismatches = [], []
    # The closure last: a closing account's holder is refused the other customer routes.
    for method, path in sorted(API_MD_ROUTES, key=lambda r: (r[1] == "/v1/me/closure", r[1], r[0])):
        url = concrete(path)
        cells = []
        for principal in PRINCIPALS:
            if principal == "unsigned":
                status = unsigned(local_runtime, method, url).status_code
            else:
                status = sessions[principal].request(method, url, json_body={}).status_code
            passed = status != 403
            cells.append(f"{status}{'' if passed == (principal in allowed(method, path)) else '!'}")
            if passed != (principal in allowed(method, path)):
                mismatches.append((method, path, principal, status))
        rows.append(f"{method:6} {path:55} " + " ".join(f"{c:>6}" for c in cells))
    with capsys.disabled():
        print("\n" + " " * 63 + " ".join(f"{p[:6]:>6}" for p in PRINCIPALS))
        print("\n".join(rows))
    assert mismatches == []
