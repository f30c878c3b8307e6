"""CORS on the API for the privacy centre (web/): browsers may read answers from the site's origin
only (API.md, The faces; issue 16).

- **Preflight.** Browsers send ``OPTIONS`` unsigned, so every resource gets an ``OPTIONS`` method
  without authorization that API Gateway answers itself (a MOCK integration: no function runs, no
  data is read). The guardrail ``OnGpt-MethodIam`` allows exactly such methods and no other
  method without AWS_IAM.
- **Gateway responses.** Every 4XX and 5XX that API Gateway makes itself (a refused signature,
  throttling, a body too large, a validation failure) carries ``Access-Control-Allow-Origin``;
  without it the browser hides the error from the page.
- **The functions' answers.** API Gateway passes a Lambda proxy answer as it is: each API function
  adds the header itself (``ongpt.platform.api``) for the origin in ``SITE_ORIGIN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw

from infra.compliance import acknowledge
from infra.functions import ServiceFunction
from infra.site_policy import CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_MAX_AGE_SECONDS
from ongpt.platform import settings as env


def origin_headers(origin: str) -> dict[str, str]:
    """A gateway response's headers (static values, quoted as API Gateway wants them)."""
    return {"Access-Control-Allow-Origin": f"'{origin}'", "Vary": "'Origin'"}


def allow_site(
    api: apigw.RestApi,
    functions: Iterable[ServiceFunction],
    origin: str,
    responses: Iterable[apigw.GatewayResponse],
) -> None:
    """Let the page at ``origin`` call ``api``: preflights, gateway ``responses`` (those made
    already) and the default 4XX/5XX with the origin, and ``SITE_ORIGIN`` for the functions."""
    resources = {method.resource.path: method.resource for method in api.methods}
    for resource in resources.values():
        resource.add_cors_preflight(
            allow_origins=[origin],
            allow_methods=list(CORS_ALLOWED_METHODS),
            allow_headers=list(CORS_ALLOWED_HEADERS),
            max_age=Duration.seconds(CORS_MAX_AGE_SECONDS),
            status_code=204,
        )
    headers = origin_headers(origin)
    for made in responses:
        cfn = cast(apigw.CfnGatewayResponse, made.node.default_child)
        cfn.response_parameters = {f"gatewayresponse.header.{k}": v for k, v in headers.items()}
    for response_type in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
        api.add_gateway_response(
            response_type.response_type,
            type=response_type,
            response_headers=origin_headers(origin),
        )
    for service in functions:
        service.function.add_environment(env.SITE_ORIGIN.name, origin)
    acknowledge(
        api,
        "CORS preflights (OPTIONS) are unsigned by design: API Gateway answers them itself "
        "(MOCK integration), naming only the site's origin; no function runs and no data is read.",
        "AwsSolutions-APIG4",
    )
