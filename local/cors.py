"""CORS for the privacy centre's origin, as the deployed API answers it.

Deployed (infra/cors.py), the API allows only the site's CloudFront origin: API Gateway answers
the preflight (``OPTIONS``, unsigned, as browsers send it) and adds ``Access-Control-Allow-Origin``
to its own errors (gateway responses), the functions to theirs (``SITE_ORIGIN``). Locally the
site's origin is the local one (``make run`` serves the page on its own port, and gives the
functions that origin as ``SITE_ORIGIN``); this gateway adds the headers to its own answers only,
and to the ``/_local/aws`` endpoints the page signs in with. Any other origin gets no CORS
headers: the browser refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from infra.site_policy import CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_MAX_AGE_SECONDS

ALLOWED_HEADERS = ",".join(CORS_ALLOWED_HEADERS)
ALLOWED_METHODS = ",".join(CORS_ALLOWED_METHODS)
MAX_AGE_SECONDS = str(CORS_MAX_AGE_SECONDS)


@dataclass(frozen=True)
class Cors:
    origin: str | None  # the one origin allowed, or None: no browser may call

    def _allowed(self, request: Request) -> bool:
        return self.origin is not None and request.headers.get("Origin") == self.origin

    def preflight(self, request: Request) -> Response:
        response = Response(status=204)
        if self._allowed(request):
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = MAX_AGE_SECONDS
        return response

    def allow(self, request: Request, response: Response) -> Response:
        if self._allowed(request):
            response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
            response.headers["Access-Control-Expose-Headers"] = "x-amzn-requestid"
            response.headers.add("Vary", "Origin")
        return response
