"""``make run``: moto, the template's resources in it, the local API Gateway, the queue workers.

python -m local.server [--assembly cdk.out] [--port 8080] [--aws-port 5000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from werkzeug.serving import make_server

from local import cognito_rules
from local.gateway import LocalGateway
from local.lambdas import load_functions
from local.outbox import Outbox
from local.principals import Principals
from local.provision import Provisioner
from local.template import Template
from local.workers import queue_pollers

CONFIG_PATH = Path(".local/config.json")

TRY_IT = """\
Try it:
  .venv/bin/python -m local.client --as guest GET /v1/policy
  .venv/bin/python -m local.client --as guest GET /v1/me            # 403: guests may not
  .venv/bin/python -m local.client --as admin:alice GET '/v1/staff/audit?customer_id=x'
"""


def aws_environment(endpoint: str, region: str) -> dict[str, str]:
    """What boto3 needs to talk to moto instead of AWS; the handlers' code does not change."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }


class LocalRuntime:
    """Everything ``make run`` serves, started and stopped together."""

    def __init__(self, assembly: Path, port: int, aws_port: int, host: str = "127.0.0.1") -> None:
        self.template = Template.load(assembly)
        self.region = self.template.region()
        self.aws_endpoint = f"http://{host}:{aws_port}"
        self.api_url = f"http://{host}:{port}"
        os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"  # real TOTP checks
        cognito_rules.install()  # sign-out, MFA reset and SMS MFA as on AWS
        self.moto = ThreadedMotoServer(ip_address=host, port=aws_port, verbose=False)
        self.host, self.port = host, port
        self.http: Any = None
        self.pollers: list[Any] = []

    def start(self) -> dict[str, Any]:
        self.moto.start()
        os.environ.update(aws_environment(self.aws_endpoint, self.region))
        provisioner = Provisioner(self.template, self.aws_endpoint)
        resolver = provisioner.run()
        functions = load_functions(
            self.template, resolver, aws_environment(self.aws_endpoint, self.region)
        )
        outbox = Outbox(self.region)
        principals = Principals(self.template, resolver, self.aws_endpoint)
        gateway = LocalGateway(self.template, resolver, functions, principals, outbox)
        self.pollers = queue_pollers(
            self.template, resolver, functions, provisioner.client("sqs"), outbox
        )
        for poller in self.pollers:
            poller.start()
        self.http = make_server(self.host, self.port, gateway, threaded=True)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        config = {
            "region": self.region,
            "api_url": self.api_url,
            "aws_endpoint": self.aws_endpoint,
            "user_pool_id": principals.user_pool_id,
            "user_pool_client_id": principals.client_id,
            "identity_pool_id": principals.identity_pool_id,
        }
        CONFIG_PATH.parent.mkdir(exist_ok=True)
        CONFIG_PATH.write_text(json.dumps(config, indent=2) + "\n")
        return config

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stopping.set()
        if self.http is not None:
            self.http.shutdown()
        self.moto.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assembly", type=Path, default=Path("cdk.out"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", "5000")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.monotonic()
    runtime = LocalRuntime(args.assembly, args.port, args.aws_port)
    config = runtime.start()
    print(
        f"OnGPT Accounts API on {config['api_url']} (AWS services, moto: {config['aws_endpoint']})"
    )
    print(f"Ready in {time.monotonic() - started:.1f}s; config in {CONFIG_PATH}. Ctrl-C stops.")
    print(TRY_IT, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
