"""The audit anchors' bucket (P2.5, P5): each audit chain's head, written once, kept 7 years.

S3 Object Lock in compliance mode: no one, the account's root included, can delete or overwrite
an object version, or shorten its retention, before the retention ends. The bucket policy adds
what Object Lock leaves open: a new version over a key (a put without ``If-None-Match``), a
delete marker that would hide the newest anchor, and a put by anyone but the anchor job (a
forged anchor; one that got in anyway breaks the anchors' chain); a change of that policy or of
Object Lock raises ``AnchorBucketPolicyChanged``. Versioned, KMS-encrypted, TLS only,
access-logged. See ``ongpt.audit.anchors``.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.compliance import acknowledge, in_all_packs
from infra.retained import logged_kms_bucket
from infra.roles import Grantee

ANCHOR_RETENTION = Duration.days(7 * 365)


class AuditAnchors(Construct):
    """The write-once bucket the anchor job writes and the audit reader verifies against."""

    def __init__(
        self, scope: Construct, construct_id: str, *, key: kms.IKey, access_logs: s3.IBucket
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = logged_kms_bucket(
            self,
            "Bucket",
            key=key,
            access_logs=access_logs,
            log_prefix="audit-anchors/",
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(ANCHOR_RETENTION),
        )
        self.key = key
        self._writer: iam.IRole | None = None
        self.objects = objects = self.bucket.arn_for_objects("*")
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="WriteEachAnchorOnce",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                resources=[objects],
                conditions={"Null": {"s3:if-none-match": "true"}},
            )
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="NeverHideAnAnchor",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[objects],
            )
        )
        acknowledge(
            self,
            "No cross-region replication of the audit anchors: they name customers by id, and "
            "where their data may be copied is a data-residency decision (Vietnam's personal "
            "data law); each version is write-once under Object Lock in compliance mode.",
            *in_all_packs("S3BucketReplicationEnabled"),
        )

    def allow_read(self, grantee: Grantee) -> None:
        """A chain's newest anchor: list its prefix, get one object."""
        role = grantee.policies
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[self.objects])
        )
        self.key.grant(role, "kms:Decrypt")

    def allow_write(self, grantee: Grantee) -> None:
        """New anchors, by this role alone: the bucket policy refuses overwrites, deletes and
        any other principal's put (an administrator's too, whatever IAM allows them)."""
        assert not self._writer, "the anchor bucket has one writer"
        self._writer = grantee.role
        grantee.policies.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.objects])
        )
        self.key.grant(grantee.policies, "kms:GenerateDataKey")
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheAnchorJobPuts",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                resources=[self.objects],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": grantee.role.role_arn}},
            )
        )
