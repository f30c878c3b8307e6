"""Deployment settings, read from CDK context (``cdk.json`` or ``-c key=value``)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

DEFAULT_REGION = "ap-southeast-1"


@dataclass(frozen=True)
class Settings:
    """What differs between deployments; everything else is fixed by the design."""

    region: str = DEFAULT_REGION
    account: str | None = None
    sender_domain: str = "ongpt.vn"
    alarm_email: str | None = None

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
        )
