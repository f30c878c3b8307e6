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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import requests
import requests.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CONFIG = Path(".local/config.json")


def sigv4_query(url: str) -> str:
    """The URL with each query name and value encoded as SigV4 canonicalises them (RFC 3986
    unreserved characters kept, all else percent-encoded): botocore signs the query as it finds
    it in the URL, so the URL sent must already be in that form (``@`` as ``%40``, ...)."""
    parts = urlsplit(url)
    pairs = [pair.partition("=") for pair in parts.query.split("&") if pair]
    query = "&".join(
        f"{quote(unquote_plus(name), safe='-_.~')}={quote(unquote_plus(value), safe='-_.~')}"
        for name, _, value in pairs
    )
    return urlunsplit(parts._replace(query=query))


class SigV4RequestAuth(requests.auth.AuthBase):
    """Signs each prepared request (method, URL, headers, body) with SigV4 for execute-api."""

    def __init__(self, credentials: Credentials, region: str) -> None:
        self.signer = SigV4Auth(credentials, "execute-api", region)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.url = sigv4_query(str(request.url))
        body = request.body.encode() if isinstance(request.body, str) else request.body
        aws_request = AWSRequest(
            method=request.method, url=request.url, data=body or b"", headers=request.headers
        )
        self.signer.add_auth(aws_request)
        request.headers.update(dict(aws_request.headers))
        return request


@dataclass
class SignedSession:
    """Requests to the API signed with one principal's temporary credentials."""

    api_url: str
    region: str
    credentials: Credentials

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        return requests.request(
            method,
            self.api_url + path,
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
            auth=self.auth(),
            timeout=30,
        )

    def auth(self) -> SigV4RequestAuth:
        return SigV4RequestAuth(self.credentials, self.region)


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
        response = requests.post(f"{self.api_url}/_local/credentials", json=principal, timeout=30)
        response.raise_for_status()
        issued = response.json()
        return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

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
