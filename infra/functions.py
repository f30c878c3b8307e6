"""Lambda functions: one least-privilege role each, JSON logs in an encrypted log group, X-Ray.

``ServiceFunction.use_*`` methods give a function one dependency each: the permission it needs
and the environment variable that names the resource, nothing more.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import Arn, ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.catalogue import FunctionSpec
from infra.compliance import acknowledge, in_all_packs, wildcard_action, wildcard_resource
from infra.keys import Keys
from infra.layer_build import build_layer
from infra.messaging import Messaging
from infra.settings import Settings
from ongpt import tables
from ongpt.tables import TableSpec
from ongpt.telemetry import NAMESPACE

if TYPE_CHECKING:
    from infra.anchors import AuditAnchors  # which imports this module's log groups via trail

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
RUNTIME = lambda_.Runtime.PYTHON_3_14  # infra/layer_build.py builds the layer for this version
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.ONE_YEAR
AUDIT_APPEND_ACTIONS = ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query")


def shared_layer(scope: Construct) -> lambda_.LayerVersion:
    """The ``ongpt`` package and its pinned third-party packages, built for the runtime."""
    return lambda_.LayerVersion(
        scope,
        "CoreLayer",
        description="OnGPT Accounts shared code and its dependencies",
        code=lambda_.Code.from_asset(str(build_layer())),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        removal_policy=RemovalPolicy.RETAIN,
    )


def encrypted_log_group(
    scope: Construct,
    construct_id: str,
    key: kms.IKey,
    retention: logs.RetentionDays = LOG_RETENTION,
    **kwargs: object,
) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        encryption_key=key,
        retention=retention,
        removal_policy=RemovalPolicy.RETAIN,
        **kwargs,  # type: ignore[arg-type]
    )


class ServiceFunction(Construct):
    """One function of ``functions/<name>``, with its own role and log group."""

    def __init__(
        self,
        scope: Construct,
        spec: FunctionSpec,
        *,
        layer: lambda_.ILayerVersion,
        log_key: kms.IKey,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> None:
        super().__init__(scope, spec.name.title().replace("_", ""))
        self.spec = spec
        self.log_group = encrypted_log_group(self, "Logs", log_key)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"OnGPT Accounts {spec.name} function",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"OnGPT Accounts: {spec.description}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.lambda_handler",
            code=lambda_.Code.from_asset(
                str(FUNCTIONS_DIR / spec.name), exclude=["__pycache__", "*.pyc"]
            ),
            layers=[layer],
            role=self.role,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=dead_letter_queue,
            environment={
                "POWERTOOLS_SERVICE_NAME": spec.name,
                "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
            },
        )
        acknowledge(
            self,
            "Functions run outside a VPC: they reach only AWS APIs, over TLS with SigV4 and IAM; "
            "a VPC would add NAT or endpoints without reducing what is exposed.",
            *in_all_packs("LambdaInsideVPC"),
        )
        acknowledge(
            self,
            "No reserved concurrency: it would carve capacity out of the account pool and cap "
            "legitimate bursts. Load is bounded by stage throttling and WAF rate rules, and "
            "every function has throttle and error alarms.",
            *in_all_packs("LambdaConcurrency"),
        )
        acknowledge(
            self,
            "X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.",
            wildcard_resource(self, "*"),
        )
        if dead_letter_queue is None:
            acknowledge(
                self,
                "Invoked synchronously (API Gateway) or by an SQS event source whose queue has "
                "its own DLQ; a function DLQ applies only to asynchronous invocations.",
                *in_all_packs("LambdaDLQ"),
            )

    def _env(self, name: str, value: str) -> None:
        self.function.add_environment(name, value)

    def use_table(self, spec: TableSpec, table: dynamodb.ITable, *, write: bool = False) -> None:
        self._env(spec.env_var, table.table_name)
        if write:
            table.grant_read_write_data(self.role)
            acknowledge(
                self,
                "CDK's data grant on a table encrypted with a customer-managed key; the key "
                "policy honours these only through DynamoDB (kms:ViaService).",
                wildcard_action("kms:GenerateDataKey*"),
                wildcard_action("kms:ReEncrypt*"),
            )
        else:
            table.grant_read_data(self.role)
        if spec.indexes:
            acknowledge(
                self,
                f"Queries on the table's own indexes: {', '.join(i.name for i in spec.indexes)}.",
                wildcard_resource(self, f"{table.table_arn}/index/*"),
            )

    def count_sends(self, table: dynamodb.Table) -> None:
        """Raise the counters of codes sent (``ongpt.send_limits``): ``UpdateItem`` only."""
        self._env("SEND_LIMITS_TABLE", table.table_name)
        table.grant(self.role, "dynamodb:UpdateItem")
        if table.encryption_key is not None:
            table.encryption_key.grant(
                self.role, "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"
            )

    def allow_sms_to(self, country_codes: tuple[str, ...]) -> None:
        """The country calling codes phones are accepted with and SMS is sent to."""
        self._env("SMS_COUNTRY_CODES", json.dumps(list(country_codes)))

    def append_audit(self, table: dynamodb.Table, keys: Keys) -> None:
        """Append to the audit log: no update, no delete, no batch write (checked by guardrails),
        each entry keyed with the audit key."""
        self._env(tables.AUDIT.env_var, table.table_name)
        self._env("AUDIT_KEY_ID", keys.audit.key_arn)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(AUDIT_APPEND_ACTIONS), resources=[table.table_arn])
        )
        if table.encryption_key is not None:
            table.encryption_key.grant(
                self.role, "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"
            )
        keys.allow_audit_mac(self.role, "kms:GenerateMac")

    def use_audit_anchors(self, keys: Keys, anchors: AuditAnchors, *, write: bool) -> None:
        """Verify audit chains against their anchors, or (the anchor job) write new anchors;
        either checks entries' MACs, neither makes one."""
        self._env("AUDIT_KEY_ID", keys.audit.key_arn)
        self._env("AUDIT_ANCHOR_BUCKET", anchors.bucket.bucket_name)
        keys.allow_audit_mac(self.role, "kms:VerifyMac")
        if write:
            anchors.allow_write(self.role)
        else:
            anchors.allow_read(self.role)
        acknowledge(
            self,
            "Audit anchors are objects named by chain and sequence: a chain's are found by "
            "prefix, and each is written once.",
            wildcard_resource(self, anchors.objects),
        )

    def use_field_encryption(self, keys: Keys) -> None:
        self._env("DATA_KEY_ID", keys.data.key_arn)
        keys.allow_field_encryption(self.role)

    def use_blind_index(self, keys: Keys) -> None:
        self._env("BLIND_INDEX_KEY_ID", keys.blind_index.key_arn)
        keys.allow_blind_index(self.role)

    def use_user_pool(self, pool: cognito.IUserPool, *actions: str) -> None:
        self._env("USER_POOL_ID", pool.user_pool_id)
        pool.grant(self.role, *actions)

    def use_email(self, messaging: Messaging, settings: Settings) -> None:
        stack = Stack.of(self)
        self._env("SENDER_EMAIL", settings.sender_email)
        self._env("SES_CONFIGURATION_SET", messaging.configuration_set.configuration_set_name)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail"],
                resources=[
                    messaging.email_identity.email_identity_arn,
                    stack.format_arn(
                        service="ses",
                        resource="configuration-set",
                        resource_name=messaging.configuration_set.configuration_set_name,
                    ),
                ],
                conditions={"StringEquals": {"ses:FromAddress": settings.sender_email}},
            )
        )

    def use_sms(self) -> None:
        """SMS to phone numbers: SNS has no ARN for a number, so topics are denied instead."""
        topics = Arn.format(
            {"service": "sns", "resource": "*", "arn_format": ArnFormat.NO_RESOURCE_NAME},
            Stack.of(self),
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=["*"])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(effect=iam.Effect.DENY, actions=["sns:Publish"], resources=[topics])
        )
        acknowledge(
            self,
            "SMS is published to phone numbers, which have no ARN; publishing to any SNS topic "
            "is denied in the same policy.",
            wildcard_resource(self, "*"),
        )

    def send_to(self, env_var: str, queue: sqs.IQueue) -> None:
        self._env(env_var, queue.queue_url)
        queue.grant_send_messages(self.role)
