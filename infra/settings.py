"""Deployment settings, read from CDK context (``cdk.json`` or ``-c key=value``)."""

from __future__ import annotations

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
        )


def _country_codes(given: object) -> tuple[str, ...]:
    """Country calling codes without ``+`` (``["84"]``), from the ``sms_country_codes`` context."""
    if given is None:
        return SMS_COUNTRY_CODES
    codes = tuple(str(code) for code in given) if isinstance(given, list) else ()
    if not codes or not all(code.isdigit() and 1 <= len(code) <= 3 for code in codes):
        raise ValueError('sms_country_codes: a list of country calling codes, e.g. ["84"]')
    return codes
