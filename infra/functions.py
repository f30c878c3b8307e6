"""Lambda functions: one least-privilege role each, JSON logs in an encrypted log group, X-Ray.

``ServiceFunction.use_*`` methods give a function one dependency each: the permission it needs
and the environment variable that names the resource, nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import Annotations, Arn, ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.anchors import AuditAnchors
from infra.catalogue import DataKeys, FunctionSpec, Items
from infra.compliance import acknowledge, in_all_packs, referred_to, wildcard_resource
from infra.keys import Keys
from infra.layer_build import PYTHON_VERSION, build_layer, has_bytecode
from infra.messaging import Messaging
from infra.retained import encrypted_log_group
from infra.roles import Grantee
from infra.service_access import (
    DYNAMODB_KEY_READ,
    DYNAMODB_KEY_WRITE,
    DYNAMODB_WRITES,
    SQS_CONSUMER_KEY,
    SQS_EVENT_SOURCE,
    SQS_PRODUCER_KEY,
    STREAM_EVENT_SOURCE,
)
from infra.settings import Settings
from ongpt.jobs import store as job_runs
from ongpt.platform import idempotency
from ongpt.platform import settings as env
from ongpt.platform.telemetry import NAMESPACE
from ongpt.storage import tables


@jsii.implements(lambda_.IEventSourceDlq)
class _QueueDestination:
    """An SQS queue as a stream mapping's ``OnFailure`` destination, granted by the function
    itself (CDK's ``SqsDlq`` would grant ``kms:ReEncrypt*``, a wildcard our guardrails refuse)."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self.queue = queue

    def bind(
        self, _target: lambda_.IEventSourceMapping, _handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self.queue.queue_arn)


FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
RUNTIME = lambda_.Runtime.PYTHON_3_14  # infra/layer_build.py builds the layer for this version
ARCHITECTURE = lambda_.Architecture.ARM_64
AUDIT_APPEND_ACTIONS = ("dynamodb:PutItem", "dynamodb:Query")
IDEMPOTENCY_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
JOB_RUN_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")  # read, then write conditionally
LIVE = "live"  # the alias API Gateway invokes, of a function with SnapStart


def shared_layer(scope: Construct, settings: Settings) -> lambda_.LayerVersion:
    """The ``ongpt`` package and its pinned third-party packages, built for the runtime, with
    its bytecode when this machine can write it (``infra/layer_build.py``)."""
    folder = build_layer()
    layer = lambda_.LayerVersion(
        scope,
        "CoreLayer",
        description="OnGPT Accounts shared code and its dependencies",
        code=lambda_.Code.from_asset(str(folder)),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        removal_policy=RemovalPolicy.RETAIN,
    )
    if not has_bytecode(folder):
        problem = (
            f"The shared layer has no bytecode for Python {PYTHON_VERSION}: every cold start "
            f"would compile it (about twice the import time). Synthesize where python"
            f"{PYTHON_VERSION} or Docker runs."
        )
        if settings.require_layer_bytecode:
            Annotations.of(layer).add_error(problem)
        else:
            Annotations.of(layer).add_warning_v2("ongpt:layerWithoutBytecode", problem)
    return layer


def _construct_id(spec: FunctionSpec) -> str:
    return spec.name.title().replace("_", "")


def function_role(scope: Construct, spec: FunctionSpec) -> iam.Role:
    """The function's own role, made in ``scope``'s stack (``infra/roles.py``) under the
    function's construct id, as ``<Function>/Role`` beside it would be."""
    return iam.Role(
        Construct(scope, _construct_id(spec)),
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"OnGPT Accounts {spec.name} function",
    )


class ServiceFunction(Construct):
    """One function of ``functions/<name>``, with its own role (``function_role``, maybe made
    in another stack) and log group.

    With ``snap_start``, Lambda initialises each published version once and starts its
    environments from a snapshot of it; SnapStart applies to published versions only, never to
    ``$LATEST``, so the function is invoked through an alias (``invoked``) of its current version
    ("Improving startup performance with Lambda SnapStart", supported features and limitations,
    https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html). None of what SnapStart cannot
    be combined with is used: no provisioned concurrency, no EFS, ephemeral storage at its
    default 512 MB; Python 3.12 and later have it (the runtime here: ``RUNTIME``)."""

    def __init__(
        self,
        scope: Construct,
        spec: FunctionSpec,
        *,
        role: iam.IRole,
        layer: lambda_.ILayerVersion,
        log_key: kms.IKey,
        dead_letter_queue: sqs.IQueue | None = None,
        reserved_concurrency: int | None = None,
        snap_start: bool = False,
    ) -> None:
        super().__init__(scope, _construct_id(spec))
        self.spec = spec
        self.reserved_concurrency = reserved_concurrency  # infra/load_model.py
        self.log_group = encrypted_log_group(self, "Logs", log_key)
        self.grantee = Grantee.of(self, role)
        self.log_group.grant_write(self.grantee.policies)
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
            role=self.grantee.policies,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=dead_letter_queue,
            reserved_concurrent_executions=reserved_concurrency,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            environment={
                env.SERVICE_NAME.name: spec.name,
                env.METRICS_NAMESPACE.name: NAMESPACE,
                env.TRACER_CAPTURE_RESPONSE.name: "false",  # traces hold no value
                env.TRACER_CAPTURE_ERROR.name: "false",
            },
        )
        # It runs as the role itself, by the ARN its own stack gives it (and the key policies
        # name), not as rebuilt from the role's name.
        cast(lambda_.CfnFunction, self.function.node.default_child).role = role.role_arn
        self.invoked: lambda_.IFunction = self.function
        if snap_start:  # a new version (and snapshot) whenever the function's code or setup changes
            self.invoked = lambda_.Alias(
                self, "Live", alias_name=LIVE, version=self.function.current_version
            )
            Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish", "its current version is published"
            )
        acknowledge(
            self,
            "Functions run outside a VPC: they reach only AWS APIs, over TLS with SigV4 and IAM; "
            "a VPC would add NAT or endpoints without reducing what is exposed.",
            *in_all_packs("LambdaInsideVPC"),
        )
        if reserved_concurrency is None:
            acknowledge(
                self,
                "No reserved concurrency: it would carve capacity out of the account pool and "
                "cap legitimate bursts. Load is bounded by stage throttling and WAF rate rules, "
                "and every function has throttle and error alarms.",
                *in_all_packs("LambdaConcurrency"),
            )
        acknowledge(
            self,
            "X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.",
            wildcard_resource(self, "*"),
        )
        if dead_letter_queue is not None:
            # Lambda sends a failed asynchronous event there with this role (CDK grants
            # SendMessage); the queue is encrypted, so SQS also uses its key for the role.
            self._key_through("sqs", dead_letter_queue.encryption_master_key, *SQS_PRODUCER_KEY)
        else:
            acknowledge(
                self,
                "Invoked synchronously (API Gateway) or by an SQS event source whose queue has "
                "its own DLQ; a function DLQ applies only to asynchronous invocations.",
                *in_all_packs("LambdaDLQ"),
            )

    def _env(self, variable: env.Variable[object], value: str) -> None:
        self.function.add_environment(variable.name, value)

    def use_items(self, need: Items, table: dynamodb.ITable) -> None:
        """Exactly these actions on the table's items, and queries of these indexes only."""
        self._env(need.table.env_var, table.table_name)
        actions = [f"dynamodb:{action}" for action in need.actions]
        if actions:
            self._allow(actions, table.table_arn)
        for index in need.queries:
            self._allow(["dynamodb:Query"], f"{table.table_arn}/index/{index.name}")
        writes = any(action in DYNAMODB_WRITES for action in actions)
        self._key_through("dynamodb", table.encryption_key, write=writes)

    def use_idempotency(self, table: dynamodb.ITable) -> None:
        """Its own idempotency records only: their keys start with the function's name."""
        self._env(tables.IDEMPOTENCY.env_var, table.table_name)
        leading = {"dynamodb:LeadingKeys": [idempotency.key_pattern(self.spec.name)]}
        self._allow(IDEMPOTENCY_ACTIONS, table.table_arn, {"ForAllValues:StringLike": leading})
        self._key_through("dynamodb", table.encryption_key, write=True)

    def run_in_pages(self, table: dynamodb.ITable) -> None:
        """A scheduled job: its page size and pages per invocation (``ongpt.jobs``), and its own
        job runs' items only (their keys start with the function's name)."""
        paging = self.spec.paging
        assert paging is not None, f"{self.spec.name}: a job in pages needs its paging"
        self._env(tables.JOBS.env_var, table.table_name)
        self._env(env.JOB_PAGE_SIZE, str(paging.page_size))
        self._env(env.JOB_PAGES, str(paging.pages))
        leading = {"dynamodb:LeadingKeys": [job_runs.key_pattern(self.spec.name)]}
        self._allow(JOB_RUN_ACTIONS, table.table_arn, {"ForAllValues:StringLike": leading})
        self._key_through("dynamodb", table.encryption_key, write=True)

    def count_sends(self, table: dynamodb.ITable) -> None:
        """Raise the counters of codes sent and complaints filed (``ongpt.notify.send_limits``):
        ``UpdateItem`` only."""
        self._env(env.SEND_LIMITS_TABLE, table.table_name)
        self._allow(["dynamodb:UpdateItem"], table.table_arn)
        self._key_through("dynamodb", table.encryption_key, write=True)

    def allow_sms_to(self, country_codes: tuple[str, ...]) -> None:
        """The country calling codes phones are accepted with and SMS is sent to."""
        self._env(env.SMS_COUNTRY_CODES, json.dumps(list(country_codes)))

    def append_audit(self, table: dynamodb.ITable, keys: Keys) -> None:
        """Append to the audit log after reading the chain's head: no update, no delete, no
        batch write (checked by guardrails), each entry keyed with the audit key."""
        self._env(tables.AUDIT.env_var, table.table_name)
        self._env(env.AUDIT_KEY_ID, keys.audit.key_arn)
        self._allow(AUDIT_APPEND_ACTIONS, table.table_arn)
        self._key_through("dynamodb", table.encryption_key, write=True)
        keys.allow_audit_mac(self.grantee, "kms:GenerateMac")

    def use_audit_anchors(self, keys: Keys, anchors: AuditAnchors, *, write: bool) -> None:
        """Verify audit chains against their anchors, or (the anchor job) write new anchors;
        either checks MACs; the job keys each anchor it writes, and makes no other MAC."""
        self._env(env.AUDIT_KEY_ID, keys.audit.key_arn)
        self._env(env.AUDIT_ANCHOR_BUCKET, anchors.bucket.bucket_name)
        keys.allow_audit_mac(self.grantee, "kms:VerifyMac")
        anchors.allow_read(self.grantee)  # the job, too, verifies from a chain's newest anchor
        if write:
            anchors.allow_write(self.grantee)
            keys.allow_audit_mac(self.grantee, "kms:GenerateMac")
        acknowledge(
            self,
            "Audit anchors are objects named by chain and sequence: a chain's are found by "
            "prefix, and each is written once.",
            wildcard_resource(self, f"{referred_to(self, anchors.bucket.bucket_arn, anchors)}/*"),
        )

    def use_data_keys(self, keys: Keys, need: DataKeys) -> None:
        self._env(env.DATA_KEY_ID, keys.data.key_arn)
        keys.allow_data_keys(self.grantee, "kms:GenerateDataKey", need.makes)
        keys.allow_data_keys(self.grantee, "kms:Decrypt", need.opens)

    def use_blind_index(self, keys: Keys) -> None:
        self._env(env.BLIND_INDEX_KEY_ID, keys.blind_index.key_arn)
        keys.allow_blind_index(self.grantee)

    def use_page_key(self, keys: Keys) -> None:
        """Seal and open the cursors of its list answers (``ongpt.platform.pages``)."""
        self._env(env.PAGE_KEY_ID, keys.pages.key_arn)
        keys.allow_page_key(self.grantee)

    def use_user_pool(self, pool: cognito.IUserPool, *actions: str) -> None:
        self._env(env.USER_POOL_ID, pool.user_pool_id)
        pool.grant(self.grantee.policies, *actions)

    def use_email(self, messaging: Messaging, settings: Settings) -> None:
        stack = Stack.of(self)
        self._env(env.SENDER_EMAIL, settings.sender_email)
        self._env(env.SES_CONFIGURATION_SET, messaging.configuration_set.configuration_set_name)
        self.grantee.policies.add_to_principal_policy(
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
        self.grantee.policies.add_to_principal_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=["*"])
        )
        self.grantee.policies.add_to_principal_policy(
            iam.PolicyStatement(effect=iam.Effect.DENY, actions=["sns:Publish"], resources=[topics])
        )
        acknowledge(
            self,
            "SMS is published to phone numbers, which have no ARN; publishing to any SNS topic "
            "is denied in the same policy.",
            wildcard_resource(self, "*"),
        )

    def send_to(self, variable: env.Variable[str], queue: sqs.IQueue) -> None:
        self._env(variable, queue.queue_url)
        self._allow(["sqs:SendMessage"], queue.queue_arn)
        self._key_through("sqs", queue.encryption_master_key, *SQS_PRODUCER_KEY)

    def consume(self, queue: sqs.IQueue) -> None:
        """Lambda polls the queue with the function's role and hands it batches of 10, taking
        back only the messages the function reports failed; a function with reserved
        concurrency gets no more batches at once, the others wait in the queue
        (infra/load_model.py)."""
        self.function.add_event_source_mapping(
            "Queue",
            event_source_arn=queue.queue_arn,
            batch_size=10,
            report_batch_item_failures=True,
            max_concurrency=self.reserved_concurrency,
        )
        self._allow(SQS_EVENT_SOURCE, queue.queue_arn)
        self._key_through("sqs", queue.encryption_master_key, *SQS_CONSUMER_KEY)

    def consume_stream(
        self,
        table: dynamodb.ITable,
        dead_letters: sqs.IQueue,
        *,
        retries: int,
        events: tuple[str, ...] = ("INSERT",),
    ) -> None:
        """Lambda reads the table's stream with the function's role: records of these events
        only (new items, by default), batches of 10 in order, taking back only the records the
        function reports failed; a batch still failing after ``retries`` retries is recorded
        (ids, not contents) on ``dead_letters``. Records the filter drops never invoke the
        function, and Lambda's reads of a stream are free: a consumer of rare events costs
        nothing while they do not happen
        (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html,
        https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)."""
        stream = table.table_stream_arn
        assert stream is not None, "the table has no stream"
        self.function.add_event_source_mapping(
            "Stream",
            event_source_arn=stream,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=10,
            report_batch_item_failures=True,
            retry_attempts=retries,
            bisect_batch_on_error=False,
            filters=[lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.or_(*events)})],
            on_failure=_QueueDestination(dead_letters),
        )
        self._allow(STREAM_EVENT_SOURCE, stream)
        self._key_through("dynamodb", table.encryption_key)
        self._allow(["sqs:SendMessage"], dead_letters.queue_arn)
        self._key_through("sqs", dead_letters.encryption_master_key, *SQS_PRODUCER_KEY)

    def _allow(
        self, actions: Sequence[str], resource: str, conditions: dict[str, Any] | None = None
    ) -> None:
        self.grantee.policies.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=[resource], conditions=conditions)
        )

    def _key_through(
        self, service: str, key: kms.IKey | None, *actions: str, write: bool = False
    ) -> None:
        """What the service does with the resource's key on the caller's behalf, only through it:
        DynamoDB decrypts a table's key to read, and encrypts under it to write; SQS makes a
        data key to send and opens it to send or receive."""
        if key is None:
            return
        actions = actions or (DYNAMODB_KEY_WRITE if write else DYNAMODB_KEY_READ)
        via = f"{service}.{Stack.of(self).region}.amazonaws.com"
        self._allow(actions, key.key_arn, {"StringEquals": {"kms:ViaService": via}})
