#!/usr/bin/env python3
"""The CDK app: the OnGPT Accounts stacks and the compliance gates that guard them."""

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment

from infra import names
from infra.compliance import add_compliance_checks
from infra.settings import Settings
from infra.stack import ApiStack, DataStack, IdentityStack, OperationsStack

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
# The CLI sets these itself; tests and the local runtime read construct and asset paths too.
CLI_METADATA = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}
# A stack may hold at most 500 resources
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html);
# synthesis fails for a stack of more than 60 % of that, so that each keeps room to grow. CDK
# counts each stack's template against this context key when it writes it.
RESOURCE_LIMIT_KEY = "@aws-cdk/core:stackResourceLimit"
RESOURCE_LIMIT = 500 * 60 // 100


def app_context(context: dict[str, Any] | None = None) -> dict[str, Any]:
    """``cdk.json``'s context (as the CLI would pass it), ``context``, and the resource limit."""
    defaults = json.loads(CDK_JSON.read_text())["context"]
    return {**CLI_METADATA, **defaults, **(context or {}), RESOURCE_LIMIT_KEY: RESOURCE_LIMIT}


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """The app with ``app_context(context)``."""
    app = App(context=app_context(context), outdir=outdir)
    settings = Settings.from_context(app)
    env = Environment(account=settings.account, region=settings.region)
    data = DataStack(
        app, names.DATA, env=env, description="OnGPT Accounts: keys, tables, trail, anchors (kept)"
    )
    identity = IdentityStack(
        app,
        names.IDENTITY,
        settings=settings,
        data=data,
        env=env,
        description="OnGPT Accounts: user pool, identity pool, guest, customer and staff roles",
    )
    api = ApiStack(
        app,
        names.API,
        settings=settings,
        data=data,
        identity=identity,
        env=env,
        description="OnGPT Accounts: functions, queues, the API and the privacy centre",
    )
    OperationsStack(
        app,
        names.OPERATIONS,
        settings=settings,
        data=data,
        api=api,
        env=env,
        description="OnGPT Accounts: schedules, alarms, dashboard",
    )
    add_compliance_checks(app)
    return app


if __name__ == "__main__":
    build_app().synth()
