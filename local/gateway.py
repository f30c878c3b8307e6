"""The local API Gateway: the template's routes, SigV4, the callers' IAM policies, proxy events.

Order per request, as API Gateway does it: match a route (unknown: 403 Missing Authentication
Token); for a method whose authorization type in the template is ``AWS_IAM``, verify the
signature and evaluate ``execute-api:Invoke`` against the caller's role and the API's resource
policy (combined as API Gateway combines them: ``local.iam.api_gateway_decision``), then its
session policy, if any; a method of type ``NONE`` (and a CORS preflight) is served unsigned, as
API Gateway would, if the resource policy, when there is one, allows it to anyone; build the
REST proxy event, call the function. A crashing function is a 502, never a stack trace.

What API Gateway answers for a Lambda proxy integration that does not answer ("Handling Lambda
errors with an API Gateway API",
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html): a function that
ran and failed (its exception, its timeout, a response over Lambda's limit) is a 502; an
invocation Lambda refused (throttled by reserved concurrency, a request over Lambda's 6 MB) is a
500, both ``{"message": "Internal server error"}``; an integration that has not answered within
its timeout (29 s by default) is a 504 ``{"message": "Endpoint request timed out"}`` while the
function runs on (the ``INTEGRATION_TIMEOUT`` gateway response). A method over its throttle is a
429 (``local/throttles.py``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local import chaos, iam
from local.conditions import Context
from local.cors import Cors
from local.credentials import AccessDenied, CredentialStore, Issued, verify
from local.deadlines import Deadline
from local.holds import Holds
from local.identity_front import FrontError, IdentityFront, sts_error
from local.lambdas import Invocable, InvocationRejected, described
from local.openapi import openapi_document, swagger_page
from local.outbox import Outbox
from local.principals import BadPrincipal, Principals, Refused
from local.template import ACCOUNT_ID, ApiRoute, Resolver, Template
from local.throttles import Throttles
from local.user_pool_front import UserPoolFront

log = logging.getLogger("local.gateway")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's REST payload limit (its quotas, above)
INTERNAL_ERROR = {"message": "Internal server error"}
AUTHORIZATION_TYPES = {"AWS_IAM", "NONE"}  # the others (Cognito, Lambda authorizers): unused


def _json(status: int, body: Any) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _log_failure(function_id: str, exc: BaseException) -> None:
    """Where a function failed, without the exception's message: it may hold personal data."""
    log.error("function %s failed with %s\n%s", function_id, *described(exc))


class IntegrationTimeout(Exception):
    """The integration did not answer within its timeout."""


@dataclass
class Job:
    function_id: str
    input_template: str


class FunctionAnswer(Response):
    """A function's proxy answer, passed on as it is: API Gateway adds no CORS header to it."""


class LocalGateway:
    """A WSGI application serving ``/v1`` as API Gateway would and the ``/_local`` routes."""

    def __init__(
        self,
        template: Template,
        resolver: Resolver,
        functions: Mapping[str, Invocable],
        principals: Principals,
        outbox: Outbox,
        cors: Cors | None = None,
        holds: Holds | None = None,
    ) -> None:
        self.template = template
        self.holds = holds or Holds()
        self.cors = cors or Cors(None)
        self.resolver = resolver
        self.functions: dict[str, Invocable] = dict(functions)
        self.principals = principals
        self.outbox = outbox
        # What to wait for before reading the outbox: the runtime's event sources (server.py).
        self.settle: Callable[[], object] = lambda: None
        self.region = template.region()
        self.credentials = CredentialStore()
        self.identity_front = IdentityFront(principals, self.credentials, self.region)
        self.user_pool_front = UserPoolFront(
            principals.aws_endpoint, self.region, principals.user_pool_id
        )
        ((rest_api_id, rest_api),) = template.of_type("AWS::ApiGateway::RestApi")
        self.api_id = resolver.refs[rest_api_id]
        self.api_arn = f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{self.api_id}"
        self.resource_policy = self._resource_policy(rest_api.get("Policy"))
        ((_, stage),) = template.of_type("AWS::ApiGateway::Stage")
        self.stage = stage["StageName"]
        self.throttles = Throttles(stage)
        # Static path segments win over parameters, as in API Gateway.
        self.routes = sorted(template.api_routes(), key=lambda r: (r.path.count("{"), -len(r.path)))
        unsupported = {r.authorization for r in self.routes} - AUTHORIZATION_TYPES
        if unsupported:
            raise ValueError(f"authorization types not modelled locally: {sorted(unsupported)}")
        self.jobs = {
            props["Name"]: Job(
                props["Target"]["Arn"]["Fn::GetAtt"][0], props["Target"].get("Input", "{}")
            )
            for _, props in template.of_type("AWS::Scheduler::Schedule")
        }
        self._statements: dict[str, list[dict[str, Any]]] = {}
        self.local_routes = Map(
            [
                Rule("/_local/credentials", methods=["POST"], endpoint=self.issue_credentials),
                Rule("/_local/outbox", methods=["GET"], endpoint=self.read_outbox),
                Rule("/_local/jobs/<name>", methods=["POST"], endpoint=self.run_job),
                Rule("/_local/concurrency", methods=["GET", "DELETE"], endpoint=self.concurrency),
                Rule("/_local/holds", methods=["POST"], endpoint=self.add_hold),
                Rule("/_local/chaos", methods=["GET", "PUT"], endpoint=self.chaos),
                Rule("/_local/holds/<hold_id>", methods=["GET", "DELETE"], endpoint=self.hold),
                Rule("/_local/openapi.json", methods=["GET"], endpoint=self.openapi),
                Rule("/_local/docs", methods=["GET"], endpoint=self.docs),
                # The AWS SDKs post to the endpoint's root, "/" appended.
                *[
                    Rule(
                        f"/_local/aws/{service}/",
                        methods=["POST"],
                        endpoint=endpoint,
                        strict_slashes=False,
                    )
                    for service, endpoint in (
                        ("cognito-idp", self.user_pool),
                        ("cognito-identity", self.identity),
                        ("sts", self.sts),
                    )
                ],
            ]
        )

    # WSGI
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        if request.method == "OPTIONS" and self._is_resource(request.path):
            # API Gateway's own MOCK method (infra/cors.py), unsigned
            refused = None if request.path.startswith("/_local/") else self._anonymous(request)
            response = self.cors.preflight(request) if refused is None else _json(403, refused.body)
        elif request.path.startswith("/_local/"):
            response = self._local(request)
        else:
            response = self._api(request)
        if not isinstance(response, FunctionAnswer):  # a function's answer has its own CORS
            response = self.cors.allow(request, response)
        return response(environ, start_response)

    # /_local
    def _local(self, request: Request) -> Response:
        adapter = self.local_routes.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException as exc:
            return _json(exc.code or 404, {"message": exc.description})
        return endpoint(request, **values)  # type: ignore[no-any-return]

    def issue_credentials(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _json(400, {"message": "expected a JSON object"})
        try:
            principal = self.principals.from_request(body)
        except BadPrincipal as exc:
            return _json(400, {"message": str(exc)})
        except Refused as exc:
            return _json(403, {"message": str(exc)})
        return _json(200, self.credentials.mint(principal).as_json())

    def read_outbox(self, request: Request) -> Response:
        to = request.args.get("to", "")
        if not to:
            return _json(400, {"message": "give ?to=<email or E.164 phone>"})
        self.settle()  # what the last requests caused, sent first (bounded)
        return _json(200, {"messages": self.outbox.messages_to(to)})

    def run_job(self, request: Request, name: str) -> Response:
        job = self.jobs.get(name)
        if job is None:
            return _json(404, {"message": f"no scheduled job {name!r}", "jobs": sorted(self.jobs)})
        body = request.get_json(silent=True) or {}
        now = body.get("now") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = json.loads(job.input_template.replace("<aws.scheduler.scheduled-time>", now))
        try:
            result = self._invoke(job.function_id, event)
        except Exception as exc:  # the job failed as Lambda would report it
            _log_failure(job.function_id, exc)
            return _json(502, {"errorType": described(exc)[0]})
        return _json(200, result)

    def concurrency(self, request: Request) -> Response:
        """Per function: invocations running now and the most at once (since the last DELETE,
        which starts a new measure); how the race tests show that they raced."""
        if request.method == "DELETE":
            for function in self.functions.values():
                function.in_flight.reset()
        return _json(
            200,
            {
                "functions": {
                    logical_id: {"in_flight": f.in_flight.now, "peak": f.in_flight.peak}
                    for logical_id, f in self.functions.items()
                }
            },
        )

    def add_hold(self, request: Request) -> Response:
        """Hold the next calls of an AWS operation at moto (``local/holds.py``)."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("operation"), str):
            return _json(400, {"message": 'expected {"operation", "contains"?, "times"?}'})
        hold_id = self.holds.add(
            body["operation"], str(body.get("contains", "")), int(body.get("times", 1))
        )
        return _json(201, {"hold_id": hold_id})

    def hold(self, request: Request, hold_id: str) -> Response:
        """How many calls a hold has stopped (GET), or let them go (DELETE)."""
        if request.method == "DELETE":
            released = self.holds.release(hold_id)
            return _json(200 if released else 404, {"released": released})
        arrived = self.holds.arrived(hold_id)
        if arrived is None:
            return _json(404, {"message": "no such hold"})
        return _json(200, {"arrived": arrived})

    def chaos(self, request: Request) -> Response:
        """The runtime's chaos mode (``local/chaos.py``): what it is (GET), or changed from now
        on (PUT ``{"settings": "<LOCAL_CHAOS's format>"}``, ``""`` for none)."""
        if request.method == "PUT":
            body = request.get_json(silent=True)
            settings = body.get("settings") if isinstance(body, dict) else None
            if not isinstance(settings, str):
                return _json(400, {"message": 'expected {"settings": "name=value,..."}'})
            try:
                chaos.parse(settings)
            except ValueError as exc:
                return _json(400, {"message": str(exc)})
            os.environ[chaos.VARIABLE] = settings
        return _json(200, {"settings": os.environ.get(chaos.VARIABLE, "")})

    def openapi(self, request: Request) -> Response:
        return _json(200, openapi_document(self._handlers(), request.host_url.rstrip("/")))

    def _handlers(self) -> list[ModuleType]:
        return [function.module() for function in self.functions.values()]

    def docs(self, request: Request) -> Response:
        document = openapi_document(self._handlers(), request.host_url.rstrip("/"))
        return Response(swagger_page(document), mimetype="text/html")

    def user_pool(self, request: Request) -> Response:
        """The user pool's endpoint for browsers (``local.user_pool_front``)."""
        body = request.get_json(force=True, silent=True)
        answer = self.user_pool_front.call(
            request.headers.get("X-Amz-Target", ""), body if isinstance(body, dict) else {}
        )
        return Response(
            json.dumps(answer.body), status=answer.status, mimetype="application/x-amz-json-1.1"
        )

    def identity(self, request: Request) -> Response:
        """The identity pool's endpoint for browsers (``local.identity_front``)."""
        body = request.get_json(force=True, silent=True)
        try:
            answer = self.identity_front.call(
                request.headers.get("X-Amz-Target", ""), body if isinstance(body, dict) else {}
            )
        except FrontError as exc:
            answer = {"__type": exc.code, "message": exc.message}
            return Response(json.dumps(answer), exc.status, mimetype="application/x-amz-json-1.1")
        return Response(json.dumps(answer), mimetype="application/x-amz-json-1.1")

    def sts(self, request: Request) -> Response:
        """STS's ``AssumeRoleWithWebIdentity`` for browsers (``local.identity_front``)."""
        try:
            answer = self.identity_front.assume_role_with_web_identity(request.form.to_dict())
        except FrontError as exc:
            return Response(sts_error(exc), exc.status, mimetype="text/xml")
        return Response(answer, mimetype="text/xml")

    # /v1
    def _api(self, request: Request) -> Response:
        matched = self._route(request.method, request.path)
        if matched is None:
            return _json(403, {"message": "Missing Authentication Token"})
        route, path_parameters = matched
        body = request.get_data(cache=True)
        if len(body) > MAX_PAYLOAD_BYTES:
            return _json(413, {"message": "Request Too Long"})
        if not self.throttles.admit(route):  # before authorization: the order is not documented
            return _json(429, {"message": "Too Many Requests"})
        issued = None
        if route.authorization == "AWS_IAM":
            try:
                issued = verify(
                    self.credentials,
                    method=request.method,
                    raw_path=request.environ.get("RAW_URI", request.path).partition("?")[0],
                    raw_query=request.query_string.decode("utf-8", "replace"),
                    headers=dict(request.headers),
                    body=body,
                    region=self.region,
                )
                self._authorize(issued, request)
            except AccessDenied as exc:
                return _json(403, exc.body)
        elif (refused := self._anonymous(request)) is not None:
            return _json(403, refused.body)
        event = self._event(request, route, path_parameters, issued, body)
        try:
            result = self._integration(route, event)
        except IntegrationTimeout:
            log.error("function %s did not answer within the integration's timeout", route.path)
            return _json(504, {"message": "Endpoint request timed out"})
        except InvocationRejected as exc:
            _log_failure(route.function_id, exc)
            return _json(500, INTERNAL_ERROR)
        except Exception as exc:
            _log_failure(route.function_id, exc)
            return _json(502, INTERNAL_ERROR)
        return self._response(result)

    def _integration(self, route: ApiRoute, event: dict[str, Any]) -> Any:
        """The function's answer; ``IntegrationTimeout`` once the route's integration timeout
        has passed on the runtime's clock (the invocation runs on, as it does on AWS)."""
        finished, answered = threading.Event(), threading.Event()
        outcome: dict[str, Any] = {}

        def invoke() -> None:
            try:
                outcome["result"] = self._invoke(route.function_id, event)
            except Exception as exc:
                outcome["error"] = exc
            finally:
                finished.set()
                answered.set()

        threading.Thread(target=invoke, daemon=True, name=f"invoke-{route.path}").start()
        deadline = Deadline(route.timeout_ms / 1000, answered.set, self.holds.clock)
        answered.wait()
        deadline.cancel()
        if not finished.is_set():
            raise IntegrationTimeout
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def _is_resource(self, path: str) -> bool:
        """A path with a method in the template (deployed, each such resource has an OPTIONS
        method; any other path is API Gateway's 403, preflight or not), or a local endpoint."""
        return path.startswith("/_local/") or any(r.pattern().match(path) for r in self.routes)

    def _route(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        for route in self.routes:
            match = route.pattern().match(path)
            if match and route.method == method:
                return route, match.groupdict()
        return None

    def _resource_policy(self, policy: dict[str, Any] | None) -> list[dict[str, Any]] | None:
        """The API's resource policy, its ``execute-api:/`` resources expanded to this API's ARN
        as API Gateway expands them; None if it has none."""
        if policy is None:
            return None
        statements = self.resolver.resolve(policy["Statement"])
        return [
            {
                key: [f"{self.api_arn}/{r.removeprefix('execute-api:/')}" for r in _listed(value)]
                if key in ("Resource", "NotResource")
                else value
                for key, value in statement.items()
            }
            for statement in _listed(statements)
        ]

    def _resource(self, request: Request) -> str:
        return f"{self.api_arn}/{self.stage}/{request.method}{request.path}"

    @staticmethod
    def _context(request: Request, principal: Context) -> Context:
        """The request's IAM context keys, the caller's session keys included."""
        now = datetime.now(UTC)
        return {
            **principal,
            "aws:SecureTransport": "true",  # API Gateway serves HTTPS only
            "aws:SourceIp": request.remote_addr or "",
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now.timestamp())),
        }

    def _anonymous(self, request: Request) -> AccessDenied | None:
        """An unsigned request to a method without authorization: with a resource policy, API
        Gateway needs its explicit allow ("API Gateway resource policy only", in "How API
        Gateway resource policies affect authorization workflow")."""
        if self.resource_policy is None:
            return None
        resource = self._resource(request)
        context = self._context(request, {})
        decision = iam.resource_policy_decision(
            self.resource_policy, "execute-api:Invoke", resource, context, None, ACCOUNT_ID
        )
        if decision == "allow":
            return None
        denied = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        explicit = " with an explicit deny" if decision == "explicit deny" else ""
        return AccessDenied(denied + resource + explicit, key="Message")

    def _authorize(self, issued: Issued, request: Request) -> None:
        """The role's policies and the API's resource policy must let the call through, as API
        Gateway combines them, then the session policy too (if any); the 403 says which refused,
        in IAM's words."""
        principal = issued.principal
        role = principal.role_logical_id
        if role not in self._statements:
            self._statements[role] = iam.role_statements(self.template, self.resolver, role)
        resource = self._resource(request)
        context = self._context(request, principal.context)
        denied = (
            f"User: {principal.user_arn} is not authorized to perform: execute-api:Invoke "
            f"on resource: {resource}"
        )
        action = "execute-api:Invoke"
        identity = iam.decide(self._statements[role], action, resource, context)
        if identity == "explicit deny":
            raise AccessDenied(
                f"{denied} with an explicit deny in an identity-based policy", "Message"
            )
        if self.resource_policy is not None:
            by_resource = iam.resource_policy_decision(
                self.resource_policy,
                action,
                resource,
                context,
                principal.context.get("aws:PrincipalArn"),
                ACCOUNT_ID,
            )
            if by_resource == "explicit deny":
                raise AccessDenied(
                    f"{denied} with an explicit deny in a resource-based policy", "Message"
                )
            same_account = principal.context.get("aws:PrincipalAccount") == ACCOUNT_ID
            identity = iam.api_gateway_decision(identity, by_resource, same_account)
        if identity != "allow":
            raise AccessDenied(denied, key="Message")
        if principal.session_policy is not None:
            decision = iam.decide(principal.session_policy, action, resource, context)
            if decision == "explicit deny":
                raise AccessDenied(f"{denied} with an explicit deny in a session policy", "Message")
            if decision == "implicit deny":
                because = " because no session policy allows the execute-api:Invoke action"
                raise AccessDenied(denied + because, key="Message")

    def _event(
        self,
        request: Request,
        route: ApiRoute,
        path_parameters: dict[str, str],
        issued: Issued | None,
        body: bytes,
    ) -> dict[str, Any]:
        try:
            text, is_base64 = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode(), True
        headers = dict(request.headers)
        query = request.args
        identity = {
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "accountId": None,
            "caller": None,
            "user": None,
            "userArn": None,
            **(issued.principal.identity if issued else {}),
            "accessKey": issued.access_key_id if issued else None,
            "sourceIp": request.remote_addr,
            "userAgent": request.headers.get("User-Agent"),
        }
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": {k: request.headers.getlist(k) for k in headers},
            "queryStringParameters": dict(query) or None,
            "multiValueQueryStringParameters": {k: query.getlist(k) for k in query} or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": route.path,
                "resourcePath": route.path,
                "httpMethod": request.method,
                "path": f"/{self.stage}{request.path}",
                "stage": self.stage,
                "accountId": ACCOUNT_ID,
                "apiId": self.api_id,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(datetime.now(UTC).timestamp() * 1000),
                "identity": identity,
            },
            "body": text or None,
            "isBase64Encoded": is_base64,
        }

    def _invoke(self, function_id: str, event: dict[str, Any]) -> Any:
        try:
            return self.functions[function_id].invoke(event)
        finally:
            self.outbox.observe()

    @staticmethod
    def _response(result: dict[str, Any]) -> Response:
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        # A Lambda proxy answer without a Content-Type gets application/json from API Gateway.
        response = FunctionAnswer(
            data, status=int(result.get("statusCode", 200)), content_type="application/json"
        )
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = str(value)
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response.headers.remove(name)
            for value in values:
                response.headers.add(name, str(value))
        return response
