"""Outbound messages: the SES sender identity, and the queues of asynchronous work.

SMS goes through SNS ``Publish`` to a phone number, marked ``Transactional`` per message (the
account-wide SMS settings have no CloudFormation resource).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.catalogue import ANNOUNCEMENT_WORKER, RECOVERY_CODES, REGISTRATION_CODES, FunctionSpec
from infra.compliance import acknowledge
from infra.settings import Settings

MAX_DELIVERY_ATTEMPTS = 5


class Messaging(Construct):
    """SES identity with TLS required, the registration-code, recovery-code and announcement
    queues and the dead-letter queues."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.email_identity = ses.EmailIdentity(
            self,
            "SenderDomain",
            identity=ses.Identity.domain(settings.sender_domain),
            configuration_set=self.configuration_set,
        )
        self.announcements, self.announcement_dlq = self._worked_queue(
            "Announcements", "AnnouncementDeadLetters", key, ANNOUNCEMENT_WORKER
        )
        self.registration_codes, self.registration_code_dlq = self._worked_queue(
            "RegistrationCodes", "RegistrationCodeDeadLetters", key, REGISTRATION_CODES
        )
        self.recovery_codes, self.recovery_code_dlq = self._worked_queue(
            "RecoveryCodes", "RecoveryCodeDeadLetters", key, RECOVERY_CODES
        )
        self.job_dlq = self._queue("JobDeadLetters", key)
        # Records of stream batches a worker failed after its retries (a table stream mapping's
        # OnFailure destination: shard and positions, no contents): the delivery worker's of the
        # Outbox table, and the audit changes' of the Audit table.
        self.notice_dlq = self._stream_dead_letters("NoticeDeadLetters", key)
        self.audit_change_dlq = self._stream_dead_letters("AuditChangeDeadLetters", key)

    def _stream_dead_letters(self, construct_id: str, key: kms.IKey) -> sqs.Queue:
        queue = self._queue(construct_id, key)
        acknowledge(
            queue,
            "It is a dead-letter queue: the OnFailure destination of a table stream's event "
            "source mapping, which cdk-nag does not recognise as one.",
            "AwsSolutions-SQS3",
        )
        return queue

    def _worked_queue(
        self, construct_id: str, dlq_id: str, key: kms.IKey, worker: FunctionSpec
    ) -> tuple[sqs.Queue, sqs.Queue]:
        """A queue a worker function consumes and its dead-letter queue, which takes a message
        after MAX_DELIVERY_ATTEMPTS. Visibility is six times the worker's timeout (Lambda's
        advice for SQS sources)."""
        dead_letters = self._queue(dlq_id, key)
        queue = self._queue(
            construct_id,
            key,
            visibility_timeout=Duration.seconds(worker.timeout_seconds * 6),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letters, max_receive_count=MAX_DELIVERY_ATTEMPTS
            ),
        )
        return queue, dead_letters

    def _queue(
        self,
        construct_id: str,
        key: kms.IKey,
        *,
        visibility_timeout: Duration | None = None,
        dead_letter_queue: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            data_key_reuse=Duration.minutes(5),
            enforce_ssl=True,
            retention_period=Duration.days(14),
            visibility_timeout=visibility_timeout,
            dead_letter_queue=dead_letter_queue,
            removal_policy=RemovalPolicy.DESTROY,
        )
