"""Deployment settings, read from CDK context (``cdk.json`` or ``-c key=value``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

DEFAULT_REGION = "ap-southeast-1"
SMS_COUNTRY_CODES = ("84",)  # SMS only to Vietnam unless the context says otherwise


@dataclass(frozen=True)
class Settings:
    """What differs between deployments; everything else is fixed by the design."""

    region: str = DEFAULT_REGION
    account: str | None = None
    sender_domain: str = "ongpt.vn"
    alarm_email: str | None = None
    sms_country_codes: tuple[str, ...] = SMS_COUNTRY_CODES
    # A layer without the runtime's bytecode is an error rather than a warning (make deploy).
    require_layer_bytecode: bool = False
    # The privacy centre's own address (privacy.<domain>) and its certificate; without them it
    # is served at the distribution's *.cloudfront.net name.
    site_domain: SiteDomain | None = None

    @property
    def sender_email(self) -> str:
        return f"no-reply@{self.sender_domain}"

    @classmethod
    def from_context(cls, scope: Construct) -> Settings:
        node = scope.node
        return cls(
            region=node.try_get_context("region") or DEFAULT_REGION,
            account=node.try_get_context("account"),
            sender_domain=node.try_get_context("sender_domain") or cls.sender_domain,
            alarm_email=node.try_get_context("alarm_email"),
            sms_country_codes=_country_codes(node.try_get_context("sms_country_codes")),
            require_layer_bytecode=node.try_get_context("require_layer_bytecode") in (True, "true"),
            site_domain=SiteDomain.from_context(
                node.try_get_context("site_domain"), node.try_get_context("site_certificate_arn")
            ),
        )


# An ACM certificate's ARN; CloudFront takes only certificates in us-east-1 ("CloudFront only
# supports ACM certificates in the US East (N. Virginia) Region",
# https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html;
# https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
CERTIFICATE_ARN = re.compile(r"arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}")
HOST_NAME = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass(frozen=True)
class SiteDomain:
    """The privacy centre's host name and the ACM certificate (in us-east-1) it is served with."""

    name: str
    certificate_arn: str

    @classmethod
    def from_context(cls, name: object, certificate_arn: object) -> SiteDomain | None:
        """Both context keys or neither; a name CloudFront can serve, a certificate it can use."""
        if name is None and certificate_arn is None:
            return None
        if not isinstance(name, str) or not HOST_NAME.fullmatch(name):
            raise ValueError("site_domain: the privacy centre's host name, e.g. privacy.ongpt.vn")
        if not isinstance(certificate_arn, str) or not CERTIFICATE_ARN.fullmatch(certificate_arn):
            raise ValueError(
                "site_certificate_arn: the ARN of an ACM certificate in us-east-1 (CloudFront "
                "uses no other region's), e.g. arn:aws:acm:us-east-1:123456789012:certificate/..."
            )
        return cls(name, certificate_arn)


def _country_codes(given: object) -> tuple[str, ...]:
    """Country calling codes without ``+`` (``["84"]``), from the ``sms_country_codes`` context."""
    if given is None:
        return SMS_COUNTRY_CODES
    codes = tuple(str(code) for code in given) if isinstance(given, list) else ()
    if not codes or not all(code.isdigit() and 1 <= len(code) <= 3 for code in codes):
        raise ValueError('sms_country_codes: a list of country calling codes, e.g. ["84"]')
    return codes
