"""SigV4-signed requests to the API (service ``execute-api``), with botocore's signer: the one
signer of the staff CLI, the local runtime's client and the end-to-end tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import requests
import requests.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TIMEOUT_SECONDS = 30


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
            self.api_url.rstrip("/") + path,
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
            auth=self.auth(),
            timeout=TIMEOUT_SECONDS,
        )

    def auth(self) -> SigV4RequestAuth:
        return SigV4RequestAuth(self.credentials, self.region)


def local_credentials(api_url: str, **principal: str) -> Credentials:
    """Temporary credentials of a principal from the local runtime's ``/_local/credentials``:
    ``principal="guest"``, ``id_token=...`` or ``staff_role=..., staff_id=...``."""
    response = requests.post(
        f"{api_url}/_local/credentials", json=principal, timeout=TIMEOUT_SECONDS
    )
    response.raise_for_status()
    issued = response.json()
    return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
