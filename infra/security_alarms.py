"""Security alarms (P2.5): what a security team watches, from CloudTrail (metric filters on the
trail's log group), the API's access logs, SES's reputation and the trail's own heartbeat.

Each filter counts matching events as a metric of ``OnGptAccounts/Security``; one is enough to
alarm. The patterns follow CloudWatch Logs' JSON filter syntax and the CIS AWS Foundations
monitoring controls they are modelled on (root use, CloudTrail changes, KMS key disabling, IAM
policy changes). Each alarm has a runbook entry under its name in ``docs/runbooks.md``.

Besides those, what could rewrite the audit history unseen: a function's code or configuration
changed (the appenders may put on the audit table and key entries; the anchor job keys anchors;
``audit_changes`` raises the stream's alarm), a grant on the audit key, the audit table's stream
or resource policy changed, the anchor bucket's policy or Object Lock changed. A deployment
raises them too, on purpose: it changes what runs with those rights, and the runbooks say how to
tell it (``invokedBy`` is ``cloudformation.amazonaws.com``). A comparison with a property an
event lacks is written with ``NOT EXISTS`` beside it: the documentation does not say that ``!=``
matches a missing property
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.names import APP

SECURITY_NAMESPACE = "OnGptAccounts/Security"
PERIOD = Duration.minutes(5)
# AWS reviews an account whose bounce rate reaches 5% or complaint rate 0.1%, and may pause its
# sending at 10% and 0.5%: told at the first, there is time to act before the second.
SES_BOUNCE_RATE = 0.05
SES_COMPLAINT_RATE = 0.001
# 403s in 5 minutes: refused signatures or roles. A client with a stale clock or a staff member
# in the wrong role makes a few; a scan or stolen-credential probing makes many.
API_FORBIDDEN_SPIKE = 50
STAFF_ROLE_NAMES = ("Support", "Compliance", "Admin")
DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
# Lambda's CloudTrail event names carry its API version ("UpdateFunctionCode20150331v2"), which
# may change: matched by prefix (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html).
# What replaces a function's code or settings, stops or throttles it to nothing, or turns off the
# stream or queue that invokes it.
FUNCTION_CHANGES = tuple(
    f"{name}*"
    for name in (
        "UpdateFunctionCode",
        "UpdateFunctionConfiguration",
        "PutFunctionConcurrency",
        "DeleteFunction",
        "UpdateEventSourceMapping",
        "DeleteEventSourceMapping",
    )
)
# What turns off the audit table's stream or deletion protection, or removes or replaces the
# resource policy that limits its writers (its ARN is the policy events' ``resourceArn``).
AUDIT_TABLE_CHANGES = ("UpdateTable", "DeleteTable", "PutResourcePolicy", "DeleteResourcePolicy")
# What opens the anchor bucket to other writers, or weakens Object Lock for new anchors
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html).
ANCHOR_BUCKET_CHANGES = ("PutBucketPolicy", "DeleteBucketPolicy", "PutObjectLockConfiguration")

Alarm = Callable[..., cloudwatch.Alarm]


@dataclass(frozen=True)
class TrailAlarm:
    name: str  # the metric's, the alarm's and the runbook entry's
    description: str
    pattern: str


@dataclass(frozen=True)
class Watched:
    """What the trail alarms name: the app (``infra/names.py``: CloudFormation names a generated
    role or function ``<stack>-<logical id>-<suffix>``, and every stack's name starts with the
    app's), its region's function ARN prefix, the audit table, the
    audit key and the anchor bucket."""

    app: str
    function_arns: str  # arn:<partition>:lambda:<region>:<account>:function:
    audit_table_name: str
    audit_table_arn: str
    audit_key_arn: str
    anchor_bucket: str


def _either(*conditions: str) -> str:
    return "(" + " || ".join(f"({condition})" for condition in conditions) + ")"


def _any(field: str, values: tuple[str, ...]) -> str:
    return _either(*(f'{field} = "{value}"' for value in values))


def trail_alarms(watched: Watched) -> tuple[TrailAlarm, ...]:
    app, audit, audit_arn = (
        watched.app,
        watched.audit_table_name,
        watched.audit_table_arn,
    )
    our_roles = _any("$.requestParameters.roleName", (f"{app}-*", *STAFF_ROLE_NAMES))
    our_functions = f"{watched.function_arns}{app}-*"
    issuer = "$.userIdentity.sessionContext.sessionIssuer.userName"
    return (
        TrailAlarm(
            "KmsKeyDisabledOrDeletionScheduled",
            "A KMS key was disabled or scheduled for deletion: data sealed under it is at stake",
            '{ ($.eventSource = "kms.amazonaws.com") && '
            + _any("$.eventName", ("DisableKey", "ScheduleKeyDeletion"))
            + " }",
        ),
        TrailAlarm(
            "KmsKeyPolicyChanged",
            "A KMS key policy was replaced, or a key's rotation turned off",
            '{ ($.eventSource = "kms.amazonaws.com") && '
            + _any("$.eventName", ("PutKeyPolicy", "DisableKeyRotation"))
            + " }",
        ),
        TrailAlarm(
            "IamRoleOrPolicyChanged",
            "One of the service's IAM roles or its policies was changed",
            '{ ($.eventSource = "iam.amazonaws.com") && ($.readOnly IS FALSE) && '
            + our_roles
            + " }",
        ),
        TrailAlarm(
            "AuditTableWrittenByOthers",
            "Something other than the service's functions wrote, or tried to write, the audit log",
            '{ ($.eventSource = "dynamodb.amazonaws.com") && '
            + _any("$.eventName", DYNAMODB_WRITES)
            + f' && (($.requestParameters.tableName = "{audit}") || '
            + " || ".join(f'($.resources[{i}].ARN = "{audit_arn}")' for i in range(3))
            + ") && "
            # An IAM user or the root user has no session issuer: written by someone too.
            + _either(f"{issuer} NOT EXISTS", f'{issuer} != "{app}-*"')
            + " }",
        ),
        TrailAlarm(
            "FunctionChanged",
            "A function's code, configuration, concurrency or event source was changed: it may "
            "now misuse its role (append to, or overwrite, the audit log; key entries or anchors)",
            '{ ($.eventSource = "lambda.amazonaws.com") && '
            + _any("$.eventName", FUNCTION_CHANGES)
            + " && "
            + _either(  # as the caller named it (a name or an ARN), or as the answer names it
                f'$.requestParameters.functionName = "{app}-*"',
                f'$.requestParameters.functionName = "{our_functions}"',
                f'$.responseElements.functionArn = "{our_functions}"',
            )
            + " }",
        ),
        TrailAlarm(
            "AuditKeyGrantCreated",
            "A grant was created on the audit key: someone else may now key audit entries",
            '{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "CreateGrant") && '
            + _either(  # the key's ARN, whatever the request named it by (an alias, an id)
                f'$.resources[0].ARN = "{watched.audit_key_arn}"',
                f'$.responseElements.keyId = "{watched.audit_key_arn}"',
            )
            + " }",
        ),
        TrailAlarm(
            "AuditTableChanged",
            "The audit table's settings or resource policy changed: its stream may be off, or "
            "others may write it",
            '{ ($.eventSource = "dynamodb.amazonaws.com") && '
            + _any("$.eventName", AUDIT_TABLE_CHANGES)
            + " && "
            + _either(
                f'$.requestParameters.tableName = "{audit}"',
                f'$.requestParameters.tableName = "{audit_arn}"',
                f'$.requestParameters.resourceArn = "{audit_arn}"',
            )
            + " }",
        ),
        TrailAlarm(
            "AnchorBucketPolicyChanged",
            "The anchor bucket's policy or Object Lock configuration changed: others may put "
            "anchors, or new ones may not be locked",
            '{ ($.eventSource = "s3.amazonaws.com") && '
            + _any("$.eventName", ANCHOR_BUCKET_CHANGES)
            + f' && ($.requestParameters.bucketName = "{watched.anchor_bucket}") }}',
        ),
        TrailAlarm(
            "RootAccountUsed",
            "The account's root user signed in or made a call",
            '{ ($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS) && '
            '($.eventType != "AwsServiceEvent") }',
        ),
        TrailAlarm(
            "CloudTrailChanged",
            "A trail was stopped, deleted or changed: the audit trail may have a hole",
            '{ ($.eventSource = "cloudtrail.amazonaws.com") && '
            + _any(
                "$.eventName",
                ("StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"),
            )
            + " }",
        ),
    )


def add_security_alarms(
    scope: Construct,
    alarm: Alarm,
    *,
    trail_logs: logs.ILogGroup,
    access_logs: logs.ILogGroup,
    audit_table: dynamodb.ITable,
    audit_key: kms.IKey,
    anchor_bucket: s3.IBucket,
) -> None:
    stack = Stack.of(scope)
    watched = Watched(
        app=APP,
        function_arns=f"arn:{stack.partition}:lambda:{stack.region}:{stack.account}:function:",
        audit_table_name=audit_table.table_name,
        audit_table_arn=audit_table.table_arn,
        audit_key_arn=audit_key.key_arn,
        anchor_bucket=anchor_bucket.bucket_name,
    )
    for trail_alarm in trail_alarms(watched):
        alarm(
            trail_alarm.name,
            _count(scope, trail_alarm.name, trail_logs, trail_alarm.pattern),
            trail_alarm.description,
        )
    alarm(
        "CloudTrailSilent",
        cloudwatch.Metric(
            namespace="AWS/Logs",
            metric_name="IncomingLogEvents",
            dimensions_map={"LogGroupName": trail_logs.log_group_name},
            statistic="Sum",
            period=Duration.hours(1),
        ),
        "No CloudTrail event reached its log group for an hour: is the trail logging?",
        comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing=cloudwatch.TreatMissingData.BREACHING,
    )
    alarm(
        "ApiForbiddenSpike",
        _count(scope, "ApiForbidden", access_logs, '{ $.status = "403" }'),
        f"{API_FORBIDDEN_SPIKE} or more requests refused (403) in 5 minutes",
        API_FORBIDDEN_SPIKE,
    )
    for name, metric_name, threshold in (
        ("SesBounceRate", "Reputation.BounceRate", SES_BOUNCE_RATE),
        ("SesComplaintRate", "Reputation.ComplaintRate", SES_COMPLAINT_RATE),
    ):
        alarm(
            name,
            cloudwatch.Metric(
                namespace="AWS/SES",
                metric_name=metric_name,
                statistic="Maximum",
                period=Duration.hours(1),
            ),
            f"SES {metric_name} reached {threshold:.1%}: AWS may review or pause sending",
            threshold,
        )


def _count(
    scope: Construct, name: str, log_group: logs.ILogGroup, pattern: str
) -> cloudwatch.IMetric:
    """A metric counting the log events that match ``pattern``."""
    found = logs.MetricFilter(
        scope,
        f"{name}Filter",
        log_group=log_group,
        filter_pattern=logs.FilterPattern.literal(pattern),
        metric_namespace=SECURITY_NAMESPACE,
        metric_name=name,
        metric_value="1",
    )
    return found.metric(statistic="Sum", period=PERIOD)
