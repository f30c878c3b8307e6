"""Monitoring (P2.5): alarms to an encrypted topic (operational ones here, security ones in
``infra/security_alarms.py``) and one dashboard admins open in the console, operational figures
beside business ones (``infra/business_figures.py``)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.business_figures import business_widgets
from infra.catalogue import Need
from infra.functions import ServiceFunction
from infra.names import APP
from infra.security_alarms import add_security_alarms
from ongpt.platform.telemetry import NAMESPACE

PERIOD = Duration.minutes(5)
# SNS's month-to-date SMS charges (AWS/SNS SMSMonthToDateSpentUSD, no dimensions, Maximum): told
# well before the account's monthly SMS spend limit stops every SMS, codes included.
SMS_SPEND_ALARM_USD = 50
# The functions that act on a customer's Cognito user and count it missing
# (ongpt/customers/accounts.py); the erasure finds it deleted, as it should.
COGNITO_USER_NEEDS = {Need.COGNITO_SIGN_UP, Need.COGNITO_PROFILE, Need.COGNITO_ACCOUNT}
SENDS = {Need.EMAIL, Need.SMS}  # the functions that send, and count sends left unconfirmed


def _counted(name: str, service: str, period: Duration) -> cloudwatch.Metric:
    """The sum of one of our metrics over ``period``, as ``service`` (Powertools' service
    dimension: the function's name) emits it."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        period=period,
        statistic="Sum",
    )


def _summed(name: str, services: list[str]) -> cloudwatch.MathExpression:
    """One of our metrics summed over the functions that emit it (none: 0, not missing)."""
    metrics = {f"m{i}": _counted(name, service, PERIOD) for i, service in enumerate(services)}
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({m}, 0)" for m in metrics),
        using_metrics=metrics,
        label=name,
        period=PERIOD,
    )


class Observability(Construct):
    """Alarms on API 5xx, function errors and throttles, dead letters, sends unconfirmed, notices
    left claimed, audit chains and security events; the admin dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        access_logs: logs.ILogGroup,
        trail_logs: logs.ILogGroup,
        audit_table: dynamodb.ITable,
        audit_key: kms.IKey,
        anchor_bucket: s3.IBucket,
        functions: list[ServiceFunction],
        dead_letter_queues: dict[str, sqs.IQueue],
        key: kms.IKey,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="OnGPT Accounts alarms",
            master_key=key,
            enforce_ssl=True,
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

        self.alarm(
            "Api5xx",
            api.metric_server_error(period=PERIOD, statistic="Sum"),
            "The API answered with a 5xx",
        )
        for service in functions:
            fn = service.function
            self.alarm(
                f"{service.node.id}Errors",
                fn.metric_errors(period=PERIOD),
                f"{service.spec.name} failed",
            )
            self.alarm(
                f"{service.node.id}Throttles",
                fn.metric_throttles(period=PERIOD),
                f"{service.spec.name} was throttled",
            )
        self.alarm(
            "SmsSpend",
            cloudwatch.Metric(
                namespace="AWS/SNS",
                metric_name="SMSMonthToDateSpentUSD",
                statistic="Maximum",
                period=PERIOD,
            ),
            f"SMS charges this month passed {SMS_SPEND_ALARM_USD} USD",
            threshold=SMS_SPEND_ALARM_USD,
        )
        for name, queue in dead_letter_queues.items():
            self.alarm(
                f"{name}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                f"Messages reached the {name} dead-letter queue",
            )
        self.alarm(
            "AuditChainsUnverified",
            _counted("AuditChainsUnverified", "audit_anchors", PERIOD),
            "An audit chain failed its MAC or link check and was not anchored: look at it",
        )
        self.alarm(
            "AuditChainsBroken",
            _counted("AuditChainsBroken", "audit_verification", Duration.days(1)),
            "The daily audit verification found a changed, missing or reordered entry",
        )
        self.alarm(
            "SignInsMissing",
            _summed(
                "SignInsMissing",
                [s.spec.name for s in functions if COGNITO_USER_NEEDS & set(s.spec.needs)],
            ),
            "A customer's Cognito user is missing: deleted outside the service",
        )
        self.alarm(
            "AuditEntriesChanged",
            _counted("AuditEntriesChanged", "audit_changes", PERIOD),
            "An audit entry was changed or removed (the Audit table's stream): a rewrite",
        )
        self.alarm(
            "SendsUnconfirmed",
            _summed(
                "SendsUnconfirmed", [s.spec.name for s in functions if SENDS & set(s.spec.needs)]
            ),
            "A send's answer was lost after it reached SES or SNS: maybe sent, never resent",
        )
        self.alarm(
            "NoticesLeftClaimed",
            _counted("NoticesLeftClaimed", "notice_delivery", PERIOD),
            "A delivery died between claiming a notice and marking it: maybe sent, never resent",
        )

        add_security_alarms(
            self,
            self.alarm,
            trail_logs=trail_logs,
            access_logs=access_logs,
            audit_table=audit_table,
            audit_key=audit_key,
            anchor_bucket=anchor_bucket,
        )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=APP, default_interval=Duration.hours(24)
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[api.metric_count(period=PERIOD)],
                right=[
                    api.metric_client_error(period=PERIOD),
                    api.metric_server_error(period=PERIOD),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (p99)",
                left=[api.metric_latency(period=PERIOD, statistic="p99")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Function errors",
                left=[s.function.metric_errors(period=PERIOD) for s in functions],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Function duration (p99)",
                left=[
                    s.function.metric_duration(period=PERIOD, statistic="p99") for s in functions
                ],
                width=12,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )
        self.dashboard.add_widgets(*business_widgets())

    def alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        threshold: float = 1,
        *,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        """An alarm to the topic, named ``<app>-<construct_id>``: the runbook's entry for it is
        ``construct_id`` (``docs/runbooks.md``)."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{APP}-{construct_id}",
            alarm_description=f"{description} (runbook: docs/runbooks.md, {construct_id})",
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm
