"""The REST API (P2.6): every route of API.md with AWS_IAM (SigV4) authorization, request
validation, access logs without personal values, throttling, tracing and the WAF."""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.access import Pattern
from infra.compliance import acknowledge, in_all_packs, wildcard_resource
from infra.cors import allow_site
from infra.firewall import Firewall
from infra.functions import ServiceFunction
from infra.load_model import method_throttles, stage_throttle
from infra.retained import encrypted_log_group
from ongpt.platform import settings as env

STAGE = "prod"

# Access log fields: who called what and how it went; no path or query values, no bodies, and
# neither the client's address nor its identity id, which would join an analytics event (stored
# with a truncated address and no identity, P1.3) to a person. Blocked requests' addresses are in
# the WAF logs, kept apart (infra/firewall.py).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "time": "$context.requestTime",
    "method": "$context.httpMethod",
    "resource": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "userArn": "$context.identity.userArn",
    "wafStatus": "$context.waf.status",
    "error": "$context.error.responseType",
}

VALIDATION_ERROR_BODY = json.dumps(
    {"error": {"code": "VALIDATION_ERROR", "message": "The request is not valid."}}
)


class Gateway(Construct):
    """API Gateway REST API backed by the API functions, one Lambda integration each."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: list[ServiceFunction],
        log_key: kms.IKey,
        firewall_log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions = functions
        self.access_logs = access_logs = encrypted_log_group(self, "AccessLogs", log_key)
        throttle = stage_throttle()
        self.api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name="ongpt-accounts",
            description="OnGPT Accounts API (v1), SigV4 on every route",
            endpoint_configuration=apigw.EndpointConfiguration(types=[apigw.EndpointType.REGIONAL]),
            cloud_watch_role=True,
            fail_on_warnings=True,
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
                # ERROR, not INFO: INFO execution logs would copy query strings (emails).
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttle.rate,
                throttling_burst_limit=throttle.burst,
                # A method whose downstream quota is lower than the stage's rate has its own
                # bucket, which replaces the stage's ("Throttle requests to your REST APIs",
                # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html);
                # its setting replaces the stage's logging and metrics too, so it repeats them.
                method_options={
                    f"{path}/{method}": apigw.MethodDeploymentOptions(
                        logging_level=apigw.MethodLoggingLevel.ERROR,
                        data_trace_enabled=False,
                        metrics_enabled=True,
                        throttling_rate_limit=limit.rate,
                        throttling_burst_limit=limit.burst,
                    )
                    for (method, path), limit in method_throttles().items()
                },
            ),
        )
        validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        json_object = self.api.add_model(
            "JsonObject",
            content_type="application/json",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT
            ),
        )
        self.validation_responses = [
            self.api.add_gateway_response(
                response_type.response_type,
                type=response_type,
                status_code="400",
                templates={"application/json": VALIDATION_ERROR_BODY},
            )
            for response_type in (
                apigw.ResponseType.BAD_REQUEST_BODY,
                apigw.ResponseType.BAD_REQUEST_PARAMETERS,
            )
        ]
        for service in functions:
            integration = self._invoke(service.invoked)
            for route in service.spec.routes:
                self.api.root.resource_for_path(route.path).add_method(
                    route.method,
                    integration,
                    authorization_type=apigw.AuthorizationType.IAM,
                    request_validator=validator,
                    request_models={"application/json": json_object} if route.has_body else None,
                )
        acknowledge(
            self,
            "Every method uses AWS_IAM (SigV4): customers reach it through the identity pool "
            "after user-pool sign-in with MFA; guests and staff through IAM roles (API.md).",
            "AwsSolutions-COG4",
        )
        acknowledge(
            self,
            "Client certificates authenticate HTTP backends; the only backends here are Lambda "
            "integrations, invoked by API Gateway through IAM.",
            *in_all_packs("APIGWSSLEnabled"),
        )
        acknowledge(
            self,
            "Responses are per-caller personal data and must not be cached.",
            *in_all_packs("APIGWCacheEnabledAndEncrypted"),
        )
        cloud_watch_role = self.api.node.find_child("CloudWatchRole")
        acknowledge(
            cloud_watch_role,
            "API Gateway's account-level role for execution logs uses the AWS-managed policy "
            "made for it.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
        )
        self.firewall = Firewall(
            self,
            "Firewall",
            stage_arn=self.api.deployment_stage.stage_arn,
            log_key=firewall_log_key,
        )

    def _invoke(self, function: lambda_.IFunction) -> apigw.Integration:
        """A Lambda proxy integration of ``function`` (an alias, with SnapStart) and the one
        permission API Gateway needs to invoke it, from any method of this API's stage.

        CDK's ``LambdaIntegration`` adds one permission per method instead (or, unscoped, one for
        every stage of the API): with an alias and a version per function, the stack would pass
        its resource limit. The integration is the one it builds, without them; the permission's
        source ARN names this API and its stage, any method and path of it (the execute-api ARN,
        ``api-id/stage/METHOD/path``: "IAM policy examples for API execution permissions",
        https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-iam-policy-examples-for-api-execution.html)."""
        function.add_permission(
            "ApiInvokes",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=self.api.arn_for_execute_api("*", "/*", STAGE),
        )
        return apigw.AwsIntegration(
            proxy=True,
            service="lambda",
            path=f"2015-03-31/functions/{function.function_arn}/invocations",
        )

    def allow_site(self, origin: str) -> None:
        """Let the privacy centre at ``origin`` call the API from a browser (infra/cors.py)."""
        allow_site(self.api, self.functions, origin, self.validation_responses)

    def only_from(self, roles: list[iam.IRole], identity_pool_id: str) -> None:
        """Callers pinned to this deployment: the API's resource policy refuses every signed
        method to any principal but ``roles`` (this stack's guest, customer and staff roles), and
        the functions are told the identity pool whose identities they accept
        (``ongpt.platform.caller``).

        For a caller of the API's own account, either its IAM policy or the resource policy may
        allow and any explicit deny refuses; another account's caller needs both to allow ("How
        API Gateway resource policies affect authorization workflow", tables A and B,
        https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html).
        So the policy allows no signed method itself (each role's own policy decides, as before)
        and only denies; with a resource policy, a method without authorization (the CORS
        preflights) needs an explicit allow in it, given here for OPTIONS alone."""
        methods = sorted({route.method for s in self.functions for route in s.spec.routes})
        self.api.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PreflightsFromAnyone",
                principals=[iam.StarPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*/OPTIONS/*"],
            )
        )
        self.api.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyThisDeploymentsRoles",
                effect=iam.Effect.DENY,
                principals=[iam.StarPrincipal()],
                actions=["execute-api:Invoke"],
                resources=[f"execute-api:/*/{method}/*" for method in methods],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": [r.role_arn for r in roles]}},
            )
        )
        for service in self.functions:
            service.function.add_environment(env.IDENTITY_POOL_ID.name, identity_pool_id)

    def allow_invoke(self, name: str, role: iam.IRole, patterns: tuple[Pattern, ...]) -> None:
        """Let ``role`` invoke the routes matching ``patterns`` (API.md, Principals): a policy
        of the API's stack (``<name>Invokes``), attached to the role, which is made earlier."""
        arns = [self.api.arn_for_execute_api(method, path, STAGE) for method, path in patterns]
        policy = iam.Policy(
            self,
            f"{name}Invokes",
            roles=[role],
            statements=[iam.PolicyStatement(actions=["execute-api:Invoke"], resources=arns)],
        )
        acknowledge(
            policy,
            "API.md's principal table grants whole route subtrees (any method, any id).",
            *(
                wildcard_resource(policy, arn)
                for arn, (method, path) in zip(arns, patterns, strict=True)
                if "*" in method + path
            ),
        )
