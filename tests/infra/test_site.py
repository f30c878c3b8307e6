"""The privacy centre as deployed: a private bucket read only by its CloudFront distribution
(origin access control), HTTPS only, and the security headers of infra/site_policy.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import publish_site
from tests.support.synthesized import resources


def _one(template_json: dict[str, Any], type_: str) -> dict[str, Any]:
    (found,) = [
        props
        for logical_id, props in resources(template_json, type_).items()
        if logical_id.startswith("Site")
    ]
    return found


def _rendered(value: Any) -> str:
    """A template value with its references shown as ``<Ref>``: enough to read a policy."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_rendered(part) for part in value["Fn::Join"][1])
    return "<" + json.dumps(value, separators=(",", ":")) + ">"


@pytest.mark.clause("P2.1")
def test_the_site_bucket_is_not_public_and_only_its_distribution_reads_it(
    template_json: dict[str, Any],
) -> None:
    bucket = _one(template_json, "AWS::S3::Bucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    statements = _one(template_json, "AWS::S3::BucketPolicy")["PolicyDocument"]["Statement"]
    allowed = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allowed) == 1
    (read,) = allowed
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    assert ":distribution/" in _rendered(read["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert (
        _one(template_json, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"][
            "SigningBehavior"
        ]
        == "always"
    )


@pytest.mark.clause("P2.1")
def test_the_distribution_serves_https_only_with_strict_security_headers(
    template_json: dict[str, Any],
) -> None:
    config = _one(template_json, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    headers = _one(template_json, "AWS::CloudFront::ResponseHeadersPolicy")
    security = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = _rendered(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    connect = directives["connect-src"].split()
    assert connect[0] == "'self'"
    assert connect[1].startswith("https://<")
    assert ".execute-api." in connect[1]
    assert {c.split(".")[0] for c in connect[2:]} == {
        "https://cognito-idp",
        "https://cognito-identity",
        "https://sts",
    }
    assert all(c.startswith("https://") for c in connect[1:])
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert security["FrameOptions"]["FrameOption"] == "DENY"


@pytest.mark.clause("P2.1")
def test_the_page_configuration_comes_from_the_stack(template_json: dict[str, Any]) -> None:
    code = _rendered(_one(template_json, "AWS::CloudFront::Function")["FunctionCode"])
    for reference in ("IdentityCustomers", "IdentityIdentityPool", "ApiRestApi"):
        assert f'"Ref":"{reference}' in code


@pytest.mark.clause("P2.5")
def test_the_site_buckets_access_logs_are_delivered_for_this_account_only(
    template_json: dict[str, Any],
) -> None:
    """The access logs' bucket is in an earlier stack than the site's: S3's log delivery may
    write under the site's prefix only for a bucket of this account."""
    bucket = _one(template_json, "AWS::S3::Bucket")
    logging = bucket["LoggingConfiguration"]
    prefix = logging["LogFilePrefix"]
    (target,) = [
        props["PolicyDocument"]["Statement"]
        for props in resources(template_json, "AWS::S3::BucketPolicy").values()
        if props["Bucket"] == logging["DestinationBucketName"]
    ]
    (delivery,) = [s for s in target if _rendered(s["Resource"]).endswith(f"/{prefix}*")]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery.get("Condition") == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }


def test_the_stack_publish_site_reads_outputs_the_bucket_and_the_distribution(
    stack_templates: dict[str, dict[str, Any]],
) -> None:
    outputs = stack_templates[publish_site.STACK]["Outputs"]
    assert {publish_site.BUCKET_OUTPUT, publish_site.DISTRIBUTION_OUTPUT} <= outputs.keys()
