"""Scheduled work: the daily expiry-reminder run (P3.4), the hourly audit anchors and the daily
audit verification (P2.5), the daily erasure (GDPR 17), retried, failures to a DLQ.

Each job has two schedules: its own, whose run starts the period's pass, and a continuation
every 15 minutes, whose run only goes on with the passes an invocation's bound left
(``ongpt.jobs``: ``{"continue": true}``; one read when there are none)."""

from __future__ import annotations

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.compliance import acknowledge, referred_to, wildcard_resource
from infra.functions import ServiceFunction

EXPIRY_REMINDERS = "expiry-reminders"
AUDIT_ANCHORS = "audit-anchors"
ERASURE = "erasure"
AUDIT_VERIFICATION = "audit-verification"
CONTINUATION = "-continuation"  # the continuation schedule's name: the job's, and this
CONTINUED_EVERY = Duration.minutes(15)


class Jobs(Construct):
    """EventBridge Scheduler schedules, named as ``/_local/jobs/{name}`` runs them locally."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        expiry_reminders: ServiceFunction,
        audit_anchors: ServiceFunction,
        erasure: ServiceFunction,
        audit_verification: ServiceFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
            ),
            description="EventBridge Scheduler: invokes the scheduled jobs",
        )
        jobs = {
            EXPIRY_REMINDERS: expiry_reminders,
            AUDIT_ANCHORS: audit_anchors,
            ERASURE: erasure,
            AUDIT_VERIFICATION: audit_verification,
        }
        acknowledge(
            self._role,
            "The scheduler's role invokes each job's function, any of its versions.",
            *(
                wildcard_resource(
                    self._role, f"{referred_to(self, job.function.function_arn, job)}:*"
                )
                for job in jobs.values()
            ),
        )
        self._dead_letter_queue = dead_letter_queue
        self.schedules = {
            EXPIRY_REMINDERS: self._schedule(
                "ExpiryReminders",
                EXPIRY_REMINDERS,
                "Daily renewal invitations 30, 7 and 1 days before expiry (P3.4)",
                scheduler.ScheduleExpression.cron(
                    hour="9", minute="0", time_zone=TimeZone.ASIA_HO_CHI_MINH
                ),
                expiry_reminders,
            ),
            AUDIT_ANCHORS: self._schedule(
                "AuditAnchors",
                AUDIT_ANCHORS,
                "Hourly anchors of changed audit chain heads in write-once storage (P2.5, P5)",
                scheduler.ScheduleExpression.rate(Duration.hours(1)),
                audit_anchors,
            ),
            ERASURE: self._schedule(
                "Erasure",
                ERASURE,
                "Daily erasure of accounts closed past their grace period (GDPR 17)",
                scheduler.ScheduleExpression.cron(
                    hour="3", minute="0", time_zone=TimeZone.ASIA_HO_CHI_MINH
                ),
                erasure,
            ),
            AUDIT_VERIFICATION: self._schedule(
                "AuditVerification",
                AUDIT_VERIFICATION,
                "Daily verification of the audit chains written to since the last run (P2.5, P5)",
                scheduler.ScheduleExpression.cron(
                    hour="3", minute="30", time_zone=TimeZone.ASIA_HO_CHI_MINH
                ),
                audit_verification,
            ),
        }
        for name, job in jobs.items():
            construct_id = self.schedules[name].node.id
            self.schedules[name + CONTINUATION] = self._schedule(
                f"{construct_id}Continuation",
                name + CONTINUATION,
                f"The passes of {name} left by an invocation's bound, every 15 minutes",
                scheduler.ScheduleExpression.rate(CONTINUED_EVERY),
                job,
                carry_on=True,
            )

    def _schedule(
        self,
        construct_id: str,
        name: str,
        description: str,
        expression: scheduler.ScheduleExpression,
        job: ServiceFunction,
        *,
        carry_on: bool = False,
    ) -> scheduler.Schedule:
        return scheduler.Schedule(
            self,
            construct_id,
            schedule_name=name,
            description=description,
            schedule=expression,
            target=targets.LambdaInvoke(
                job.function,
                role=self._role,
                # The job's clock is the time the run was scheduled for, not when it started.
                input=scheduler.ScheduleTargetInput.from_object(
                    {
                        "scheduled_time": scheduler.ContextAttribute.scheduled_time,
                        **({"continue": True} if carry_on else {}),
                    }
                ),
                dead_letter_queue=self._dead_letter_queue,
                retry_attempts=3,
                max_event_age=Duration.hours(6),
            ),
        )
