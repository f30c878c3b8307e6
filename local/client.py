"""A small client of the local runtime: credentials of a principal, then SigV4-signed requests.

python -m local.client --as guest GET /v1/policy
python -m local.client --as support:alice POST /v1/staff/customers/search \
    '{"email": "a@example.com", "purpose": "customer_support"}'
python -m local.client --as guest POST /v1/complaints '{"category": "other", ...}'
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import requests
from botocore.credentials import Credentials

from ongpt_staff.signing import SignedSession, local_credentials

__all__ = ["LocalClient", "SignedSession"]  # the signer is the staff CLI's (ongpt_staff.signing)

CONFIG = Path(".local/config.json")


class LocalClient:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.api_url = config["api_url"]

    @classmethod
    def from_config(cls, path: Path = CONFIG) -> LocalClient:
        return cls(json.loads(path.read_text()))

    def credentials(self, **principal: str) -> Credentials:
        """``principal="guest"`` (the basic flow; ``flow="enhanced"`` for the credentials AWS
        scopes down), ``id_token=...`` or ``staff_role=..., staff_id=...``."""
        return local_credentials(self.api_url, **principal)

    def session(self, **principal: str) -> SignedSession:
        return SignedSession(self.api_url, self.config["region"], self.credentials(**principal))

    def outbox(self, to: str) -> list[dict[str, Any]]:
        response = requests.get(f"{self.api_url}/_local/outbox", params={"to": to}, timeout=30)
        response.raise_for_status()
        return response.json()["messages"]  # type: ignore[no-any-return]


def _principal(spec: str) -> dict[str, str]:
    if spec == "guest":
        return {"principal": "guest"}
    role, _, staff_id = spec.partition(":")
    return {"staff_role": role, "staff_id": staff_id or "local-staff"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--as",
        dest="principal",
        default="guest",
        help="guest, or support|compliance|admin[:staff_id]",
    )
    parser.add_argument("method")
    parser.add_argument("path")
    parser.add_argument("body", nargs="?", help="JSON body")
    args = parser.parse_args(argv)
    session = LocalClient.from_config().session(**_principal(args.principal))
    body = json.loads(args.body) if args.body else None
    response = session.request(args.method.upper(), args.path, json_body=body)
    print(response.status_code, json.dumps(response.json(), ensure_ascii=False, indent=2))
    return 0 if response.ok else 1


if __name__ == "__main__":
    sys.exit(main())
