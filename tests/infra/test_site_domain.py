"""The privacy centre at its own address: a deployment that names ``site_domain`` and
``site_certificate_arn`` serves the page there with that certificate (TLS 1.2 or later), and
the API's CORS and the page's SiteUrl name it; without them the page is served as before, at
the distribution's *.cloudfront.net name. CloudFront takes only us-east-1 certificates."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from infra.identity import Identity
from infra.settings import Settings, SiteDomain
from infra.site import Site

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def _site(domain: SiteDomain | None) -> tuple[Site, dict[str, Any]]:
    """The site construct alone, in a stack of its own."""
    stack = Stack(
        App(), "SiteAlone", env=Environment(account="123456789012", region="ap-southeast-1")
    )
    api = apigw.RestApi(stack, "Api")
    api.root.add_method("GET")
    identity = Identity(stack, "Identity", settings=Settings())
    site = Site(
        stack,
        "Site",
        api=api,
        identity=identity,
        access_logs=s3.Bucket(stack, "Logs"),
        domain=domain,
    )
    return site, dict(Template.from_stack(stack).to_json())


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    (found,) = [
        r["Properties"]["DistributionConfig"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudFront::Distribution"
    ]
    return found  # type: ignore[no-any-return]


def test_a_named_domain_is_served_with_its_certificate_and_tls_1_2_or_later() -> None:
    site, template = _site(SiteDomain("privacy.ongpt.vn", CERTIFICATE))
    config = _distribution(template)
    assert config["Aliases"] == ["privacy.ongpt.vn"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert site.origin == "https://privacy.ongpt.vn"  # what the API's CORS allows
    assert template["Outputs"]["SiteUrl"]["Value"] == "https://privacy.ongpt.vn"


def test_without_one_the_page_is_served_at_the_distributions_name() -> None:
    site, template = _site(None)
    config = _distribution(template)
    assert "Aliases" not in config
    assert "AcmCertificateArn" not in config.get("ViewerCertificate", {})
    assert "privacy" not in site.origin


@pytest.mark.parametrize(
    ("name", "certificate", "problem"),
    [
        ("privacy.ongpt.vn", None, "site_certificate_arn"),
        (None, CERTIFICATE, "site_domain"),
        ("privacy.ongpt.vn", CERTIFICATE.replace("us-east-1", "ap-southeast-1"), "us-east-1"),
        ("https://privacy.ongpt.vn", CERTIFICATE, "site_domain"),
    ],
)
def test_the_context_names_both_a_host_name_and_a_us_east_1_certificate(
    name: str | None, certificate: str | None, problem: str
) -> None:
    context = {k: v for k, v in (("site_domain", name), ("site_certificate_arn", certificate)) if v}
    with pytest.raises(ValueError, match=problem):
        Settings.from_context(App(context=context))


def test_the_context_keys_are_read() -> None:
    app = App(context={"site_domain": "privacy.ongpt.vn", "site_certificate_arn": CERTIFICATE})
    assert Settings.from_context(app).site_domain == SiteDomain("privacy.ongpt.vn", CERTIFICATE)
    assert Settings.from_context(App()).site_domain is None
