"""The privacy centre as ``make run`` serves it: ``web/dist`` on its own port, its ``config.json``
written from the running stack (what CloudFront serves from the stack outputs when deployed), and
the same security headers as the distribution (``infra/site_policy.py``; HSTS only over HTTPS)."""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.site_policy import REFERRER_POLICY, content_security_policy

log = logging.getLogger("local.site")

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


def page_config(config: dict[str, Any], guest_role_arn: str) -> dict[str, Any]:
    """What the page needs to sign in and call the API; the ``*_endpoint`` keys send the AWS SDK to
    the local runtime's identity, user-pool and STS fronts instead of AWS."""
    api = config["api_url"]
    return {
        "region": config["region"],
        "api_url": api,
        "user_pool_id": config["user_pool_id"],
        "user_pool_client_id": config["user_pool_client_id"],
        "identity_pool_id": config["identity_pool_id"],
        "guest_role_arn": guest_role_arn,
        "cognito_idp_endpoint": f"{api}/_local/aws/cognito-idp",
        "cognito_identity_endpoint": f"{api}/_local/aws/cognito-identity",
        "sts_endpoint": f"{api}/_local/aws/sts",
    }


class Site:
    """A WSGI application: the built files and ``config.json``; any other path is a 404."""

    def __init__(self, config: dict[str, Any], dist: Path = DIST) -> None:
        if not (dist / "index.html").exists():
            log.warning("%s has no build (make install builds it): the page is a 404", dist)
        self.dist = dist
        self.config = json.dumps(config).encode()
        self.headers = {
            "Content-Security-Policy": content_security_policy([config["api_url"]]),
            "Referrer-Policy": REFERRER_POLICY,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
        }

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        name = request.path.strip("/") or "index.html"
        if name == "config.json":
            response = Response(self.config, mimetype="application/json")
        else:
            path = (self.dist / name).resolve()
            if path.parent != self.dist.resolve() or not path.is_file():
                response = Response("Not found", status=404, mimetype="text/plain")
            else:
                mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                response = Response(path.read_bytes(), mimetype=mimetype)
        response.headers.update(self.headers)
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)
