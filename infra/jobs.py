"""Scheduled work (P3.4): the daily expiry-reminder run, retried, failures to a DLQ."""

from __future__ import annotations

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.compliance import acknowledge, wildcard_resource
from infra.functions import ServiceFunction

EXPIRY_REMINDERS = "expiry-reminders"


class Jobs(Construct):
    """EventBridge Scheduler schedules, named as ``/_local/jobs/{name}`` runs them locally."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        expiry_reminders: ServiceFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
            ),
            description="EventBridge Scheduler: invokes the scheduled jobs",
        )
        acknowledge(
            role,
            "The scheduler's role invokes the reminder function, any of its versions.",
            wildcard_resource(role, f"{expiry_reminders.function.function_arn}:*"),
        )
        self.schedules = {
            EXPIRY_REMINDERS: scheduler.Schedule(
                self,
                "ExpiryReminders",
                schedule_name=EXPIRY_REMINDERS,
                description="Daily renewal invitations 30, 7 and 1 days before expiry (P3.4)",
                schedule=scheduler.ScheduleExpression.cron(
                    hour="9", minute="0", time_zone=TimeZone.ASIA_HO_CHI_MINH
                ),
                target=targets.LambdaInvoke(
                    expiry_reminders.function,
                    role=role,
                    # The job's clock is the time the run was scheduled for, not when it started.
                    input=scheduler.ScheduleTargetInput.from_object(
                        {"scheduled_time": scheduler.ContextAttribute.scheduled_time}
                    ),
                    dead_letter_queue=dead_letter_queue,
                    retry_attempts=3,
                    max_event_age=Duration.hours(6),
                ),
            )
        }
