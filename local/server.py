"""``make run``: moto, the template's resources in it, the local API Gateway, each function in
execution environments of its own (``local/pool.py``), the event source pollers.

python -m local.server [--assembly cdk.out] [--port 8080] [--aws-port 5000] [--web-port 8081]
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
from functools import partial
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from local import chaos, cognito_rules
from local.cors import Cors
from local.gateway import LocalGateway
from local.holds import Holds
from local.lambdas import load_functions
from local.moto_host import moto_server
from local.outbox import Outbox
from local.pool import FunctionPool, pooled
from local.principals import Principals
from local.provision import Provisioner
from local.settling import settle
from local.site import Site, page_config
from local.streams import StreamPoller, stream_mappings
from local.template import Template
from local.workers import queue_pollers
from ongpt.platform import settings as env

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

    def __init__(
        self, assembly: Path, port: int, aws_port: int, web_port: int, host: str = "127.0.0.1"
    ) -> None:
        self.template = Template.load(assembly)
        self.region = self.template.region()
        self.aws_endpoint = f"http://{host}:{aws_port}"
        self.api_url = f"http://{host}:{port}"
        self.web_url = f"http://{host}:{web_port}"
        os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"  # real TOTP checks
        cognito_rules.install()  # sign-out, MFA reset and SMS MFA as on AWS
        self.holds = Holds()
        self.moto = moto_server(host, aws_port, self.holds)
        self.host, self.port, self.web_port = host, port, web_port
        self.http: Any = None
        self.site: Any = None
        self.pollers: list[Any] = []
        self.functions: dict[str, FunctionPool] = {}

    def start(self) -> dict[str, Any]:
        self.moto.start()
        os.environ.update(aws_environment(self.aws_endpoint, self.region))
        provisioner = Provisioner(self.template, self.aws_endpoint)
        resolver = provisioner.run()
        chaos.arm()  # LOCAL_CHAOS, if set, from here on: the resources are in place
        local_functions = load_functions(
            self.template, resolver, aws_environment(self.aws_endpoint, self.region)
        )
        for function in local_functions.values():  # the page is served here, not by CloudFront
            if env.SITE_ORIGIN.name in function.environment:
                function.environment[env.SITE_ORIGIN.name] = self.web_url
        self.functions = functions = pooled(local_functions, self.holds.clock)
        outbox = Outbox(self.region)
        principals = Principals(self.template, resolver, self.aws_endpoint)
        gateway = LocalGateway(
            self.template, resolver, functions, principals, outbox, Cors(self.web_url), self.holds
        )
        sqs, streams = provisioner.client("sqs"), provisioner.client("dynamodbstreams")
        self.pollers = [
            *queue_pollers(self.template, resolver, functions, sqs, outbox),
            *(
                StreamPoller(mapping, streams, sqs, outbox, self.region)
                for mapping in stream_mappings(self.template, resolver, functions)
            ),
        ]
        for poller in self.pollers:
            poller.start()
        gateway.settle = partial(settle, self.pollers)
        self.http = make_server(self.host, self.port, gateway, threaded=True)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        config: dict[str, Any] = {
            "region": self.region,
            "api_url": self.api_url,
            "aws_endpoint": self.aws_endpoint,
            "user_pool_id": principals.user_pool_id,
            "user_pool_client_id": principals.client_id,
            "identity_pool_id": principals.identity_pool_id,
            "web_url": self.web_url,
        }
        site = Site(page_config(config, principals.guest_role_arn()))
        self.site = make_server(self.host, self.web_port, site, threaded=True)
        threading.Thread(target=self.site.serve_forever, daemon=True).start()
        CONFIG_PATH.parent.mkdir(exist_ok=True)
        CONFIG_PATH.write_text(json.dumps(config, indent=2) + "\n")
        return config

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stopping.set()
        for server in (self.http, self.site):
            if server is not None:
                server.shutdown()
        for function in self.functions.values():
            function.stop()
        self.moto.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assembly", type=Path, default=Path("cdk.out"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", "5000")))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", "8081")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.monotonic()
    runtime = LocalRuntime(args.assembly, args.port, args.aws_port, args.web_port)
    config = runtime.start()
    print(
        f"OnGPT Accounts API on {config['api_url']} (AWS services, moto: {config['aws_endpoint']})"
    )
    print(f"The privacy centre (web page) on {config['web_url']}")
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
