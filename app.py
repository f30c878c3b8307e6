#!/usr/bin/env python3
"""The CDK app: the OnGPT Accounts stack and the compliance gates that guard it."""

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment

from infra.compliance import add_compliance_checks
from infra.settings import Settings
from infra.stack import OnGptAccountsStack

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
# The CLI sets these itself; tests and the local runtime read construct and asset paths too.
CLI_METADATA = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """The app with ``cdk.json``'s context (as the CLI would pass it) plus ``context``."""
    defaults = json.loads(CDK_JSON.read_text())["context"]
    app = App(context={**CLI_METADATA, **defaults, **(context or {})}, outdir=outdir)
    settings = Settings.from_context(app)
    OnGptAccountsStack(
        app,
        "OnGptAccounts",
        settings=settings,
        env=Environment(account=settings.account, region=settings.region),
        description="OnGPT Accounts: the privacy policy as software",
        termination_protection=True,
    )
    add_compliance_checks(app)
    return app


if __name__ == "__main__":
    build_app().synth()
