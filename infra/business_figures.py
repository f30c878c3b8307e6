"""The business half of the admins' dashboard: the figures the code emits
(``ongpt/business_metrics.py``, the send limits, the daily jobs), beside the operational ones.

Powertools adds the emitting function as the ``service`` dimension; each figure is drawn from
the function that knows it.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from ongpt.platform.telemetry import NAMESPACE

PERIOD = Duration.hours(1)
EDIT_STATUSES = ("PENDING_VERIFICATION", "PENDING_REVIEW", "APPLIED", "REJECTED", "WITHDRAWN")
COMPLAINT_STATUSES = ("OPEN", "IN_PROGRESS", "RESOLVED", "REJECTED")


def figure(
    name: str, service: str, label: str, statistic: str = "Sum", **dimensions: str
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service, **dimensions},
        statistic=statistic,
        period=PERIOD,
        label=label,
    )


def _graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8)


def business_widgets() -> list[cloudwatch.IWidget]:
    queue_length = [
        figure("QueueLength", service, f"{queue} waiting", "Maximum", queue=queue, status=status)
        for service, queue, status in (
            ("complaints", "complaints", "OPEN"),
            ("edit_requests", "edit-requests", "PENDING_REVIEW"),
        )
    ]
    return [
        cloudwatch.TextWidget(
            markdown="## Business figures\nPer hour. Alarms and their runbooks: docs/runbooks.md",
            width=24,
            height=2,
        ),
        _graph(
            "Registrations started and completed",
            figure("Registrations", "registration", "started", status="PENDING_VERIFICATION"),
            figure("Registrations", "registration", "completed", status="ACTIVE"),
        ),
        _graph(
            "Codes sent and limited",
            *(
                figure("CodesSent", service, f"{codes} codes by {c}", channel=c)
                for service, codes in (
                    ("registration_codes", "sign-up"),
                    ("edit_requests", "change"),
                    ("recovery_codes", "recovery"),
                )
                for c in ("email", "phone")
            ),
            cloudwatch.MathExpression(
                expression=f"SUM(SEARCH('{{{NAMESPACE},channel,limit,service}} "
                "MetricName=\"CodeSendsLimited\"', 'Sum', 3600))",
                label="limited",
                period=PERIOD,
            ),
        ),
        _graph(
            "Edit requests by status",
            *(figure("EditRequests", "edit_requests", s, status=s) for s in EDIT_STATUSES),
        ),
        _graph(
            "Complaints by status",
            *(figure("Complaints", "complaints", s, status=s) for s in COMPLAINT_STATUSES),
        ),
        _graph(
            "Queues waiting, and the oldest (hours)",
            *queue_length,
            figure(
                "QueueOldestAgeHours",
                "complaints",
                "oldest open complaint (hours)",
                "Maximum",
                queue="complaints",
                status="OPEN",
            ),
        ),
        _graph(
            "Renewal reminders due and sent (daily job)",
            *(
                figure(f"Reminders{n}", "expiry_reminders", n.lower())
                for n in ("Due", "Sent", "Failed")
            ),
        ),
        _graph(
            "Erasures due and done (daily job)",
            *(
                figure(f"Erasures{n}", "erasure", label)
                for n, label in (("Due", "due"), ("Done", "done"), ("Held", "held by a legal hold"))
            ),
        ),
    ]
