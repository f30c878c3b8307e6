"""The privacy centre (web/) deployed: a private bucket behind CloudFront with origin access
control, HTTPS only, strict security headers (infra/site_policy.py), and the page's config.json
answered at the edge from the stack's own values (a CloudFront Function), so nothing in the
bundle names a pool, a region or the API. Served at its own domain with its certificate when the
deployment names them (``site_domain``, ``site_certificate_arn``: infra/settings.py), else at
the distribution's *.cloudfront.net name. ``python -m infra.publish_site`` uploads web/dist
after a deployment."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.compliance import acknowledge, in_all_packs
from infra.gateway import STAGE
from infra.identity import Identity
from infra.retained import log_access, secure_bucket
from infra.settings import SiteDomain
from infra.site_policy import aws_endpoints, content_security_policy

HSTS_MAX_AGE = Duration.days(730)

# Answers GET /config.json at the viewer, before the cache and the bucket; CONFIG is replaced by
# the stack's values when CloudFormation resolves the template.
CONFIG_FUNCTION = """\
function handler(event) {
  if (event.request.uri !== '/config.json') return event.request;
  return {
    statusCode: 200,
    statusDescription: 'OK',
    headers: {'content-type': {value: 'application/json'}, 'cache-control': {value: 'no-store'}},
    body: {encoding: 'text', data: CONFIG}
  };
}
"""


class Site(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        identity: Identity,
        access_logs: s3.IBucket,
        domain: SiteDomain | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        api_origin = f"https://{api.rest_api_id}.execute-api.{region}.{Aws.URL_SUFFIX}"
        self.bucket = secure_bucket(self, "Bucket", encryption=s3.BucketEncryption.S3_MANAGED)
        log_access(self.bucket, access_logs, "site-bucket/")
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment="The privacy centre: strict CSP, HSTS, no framing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(
                        [api_origin, *aws_endpoints(region)]
                    ),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE,
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            ),
        )
        config = {
            "region": region,
            # Not api.url: that names the stage, which depends on every method, CORS preflights
            # with this site's origin included (a cycle).
            "api_url": f"{api_origin}/{STAGE}/",
            "user_pool_id": identity.user_pool.user_pool_id,
            "user_pool_client_id": identity.client.user_pool_client_id,
            "identity_pool_id": identity.identity_pool.identity_pool_id,
            "guest_role_arn": identity.guest_role.role_arn,
        }
        serve_config = cloudfront.Function(
            self,
            "Config",
            comment="config.json from the stack's outputs",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(
                CONFIG_FUNCTION.replace("CONFIG", Stack.of(self).to_json_string(json.dumps(config)))
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="OnGPT privacy centre",
            default_root_object="index.html",
            **_own_address(self, domain),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # edges in Asia (Vietnam)
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=serve_config,
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                    )
                ],
            ),
        )
        self.origin = (
            f"https://{domain.name if domain else self.distribution.distribution_domain_name}"
        )
        for name, value in (
            ("SiteUrl", self.origin),
            # Where the site's DNS name points (a CNAME, or an alias record in Route 53).
            ("SiteDistributionDomainName", self.distribution.distribution_domain_name),
            ("SiteBucketName", self.bucket.bucket_name),  # read by infra/publish_site.py
            ("SiteDistributionId", self.distribution.distribution_id),
        ):
            CfnOutput(self, name, value=value).override_logical_id(name)
        acknowledge(
            self.bucket,
            "The bucket holds only the page's public code (no personal data); CloudFront's origin "
            "access control reads it, and SSE-KMS would need the key opened to CloudFront.",
            *in_all_packs("S3DefaultEncryptionKMS"),
        )
        acknowledge(
            self.bucket,
            "The page's code is rebuilt from the repository at every deployment; replicating it "
            "elsewhere would add nothing.",
            *in_all_packs("S3BucketReplicationEnabled"),
        )
        acknowledge(
            self.distribution,
            "The distribution serves only the public, static page: personal data travels in "
            "SigV4-signed calls to the API, which has its own WAF, access logs and throttling.",
            "AwsSolutions-CFR2",
            "AwsSolutions-CFR3",
        )
        acknowledge(
            self.distribution,
            "Customers abroad may use the page; the API, not the page, is where access is decided.",
            "AwsSolutions-CFR1",
        )
        if domain is None:
            acknowledge(
                self.distribution,
                "The default *.cloudfront.net certificate (CloudFront then allows TLSv1): a "
                "deployment that names site_domain and site_certificate_arn serves the page at its "
                "own name with TLSv1.2_2021 (README, Deploying).",
                "AwsSolutions-CFR4",
            )


def _own_address(scope: Construct, domain: SiteDomain | None) -> dict[str, Any]:
    """The distribution's own name and certificate (SNI, TLS 1.2 or later), if the deployment
    names them."""
    if domain is None:
        return {}
    certificate = acm.Certificate.from_certificate_arn(scope, "Certificate", domain.certificate_arn)
    return {"domain_names": [domain.name], "certificate": certificate}
