"""CloudTrail (P2.5): every management event (KMS use included) and the data events of every
table, with log-file validation, into a KMS-encrypted, versioned, access-logged bucket and to
CloudWatch Logs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.compliance import acknowledge, in_all_packs
from infra.retained import encrypted_log_group, logged_kms_bucket, secure_bucket

TRAIL_RETENTION = Duration.days(7 * 365)


class AuditTrail(Construct):
    """The account's trail for this service's resources."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        tables: list[dynamodb.ITable],
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = access_logs = secure_bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logs need SSE-S3
            lifecycle_rules=[s3.LifecycleRule(expiration=TRAIL_RETENTION)],
        )
        acknowledge(
            access_logs,
            "S3 server access logs can be delivered only to buckets encrypted with SSE-S3.",
            *in_all_packs("S3DefaultEncryptionKMS"),
        )
        bucket = logged_kms_bucket(
            self,
            "Bucket",
            key=key,
            access_logs=access_logs,
            log_prefix="trail-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=Duration.days(90),
                        )
                    ],
                    expiration=TRAIL_RETENTION,
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
        )
        acknowledge(
            self,
            "No cross-region replication: where personal data may be copied out of the region is "
            "a data-residency decision (Vietnam's personal data law); the bucket is versioned, "
            "digests are validated and the trail also goes to CloudWatch Logs.",
            *in_all_packs("S3BucketReplicationEnabled"),
        )
        self.log_group = encrypted_log_group(self, "Logs", key)
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            bucket=bucket,
            encryption_key=key,
            enable_file_validation=True,
            include_global_service_events=True,
            is_multi_region_trail=True,
            send_to_cloud_watch_logs=True,
            cloud_watch_log_group=self.log_group,
        )
        cfn_trail = self.trail.node.default_child
        assert isinstance(cfn_trail, cloudtrail.CfnTrail)
        cfn_trail.advanced_event_selectors = [
            cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
                name="All management events, KMS key use included",
                field_selectors=[
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="eventCategory", equal_to=["Management"]
                    )
                ],
            ),
            cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
                name="Data events of the service's tables",
                field_selectors=[
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="eventCategory", equal_to=["Data"]
                    ),
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="resources.type", equal_to=["AWS::DynamoDB::Table"]
                    ),
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="resources.ARN", equal_to=[t.table_arn for t in tables]
                    ),
                ],
            ),
        ]
