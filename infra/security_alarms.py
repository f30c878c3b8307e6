"""Security alarms (P2.5): what a security team watches, from CloudTrail (metric filters on the
trail's log group), the API's access logs, SES's reputation and the trail's own heartbeat.

Each filter counts matching events as a metric of ``OnGptAccounts/Security``; one is enough to
alarm. The patterns follow CloudWatch Logs' JSON filter syntax and the CIS AWS Foundations
monitoring controls they are modelled on (root use, CloudTrail changes, KMS key disabling, IAM
policy changes). Each alarm has a runbook entry under its name in ``docs/runbooks.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_logs as logs
from constructs import Construct

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

Alarm = Callable[..., cloudwatch.Alarm]


@dataclass(frozen=True)
class TrailAlarm:
    name: str  # the metric's, the alarm's and the runbook entry's
    description: str
    pattern: str


def _any(field: str, values: tuple[str, ...]) -> str:
    return "(" + " || ".join(f'({field} = "{value}")' for value in values) + ")"


def trail_alarms(stack_name: str, audit_table: dynamodb.ITable) -> tuple[TrailAlarm, ...]:
    our_roles = _any(
        "$.requestParameters.roleName", (f"{stack_name}-*", *STAFF_ROLE_NAMES)
    )  # CloudFormation names a generated role <stack>-<logical id>-<suffix>
    audit = audit_table.table_name
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
            + " || ".join(f'($.resources[{i}].ARN = "{audit_table.table_arn}")' for i in range(3))
            + f') && ($.userIdentity.sessionContext.sessionIssuer.userName != "{stack_name}-*") }}',
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
) -> None:
    stack_name = Stack.of(scope).stack_name
    for watched in trail_alarms(stack_name, audit_table):
        alarm(
            watched.name,
            _count(scope, watched.name, trail_logs, watched.pattern),
            watched.description,
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
