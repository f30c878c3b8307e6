"""The buckets and log groups every stack makes the same way: retained, encrypted, access-logged,
and their retention."""

from __future__ import annotations

from typing import cast

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

LOG_RETENTION = logs.RetentionDays.ONE_YEAR


def encrypted_log_group(
    scope: Construct,
    construct_id: str,
    key: kms.IKey,
    retention: logs.RetentionDays = LOG_RETENTION,
    **kwargs: object,
) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        encryption_key=key,
        retention=retention,
        removal_policy=RemovalPolicy.RETAIN,
        **kwargs,  # type: ignore[arg-type]
    )


def secure_bucket(scope: Construct, construct_id: str, **kwargs: object) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=RemovalPolicy.RETAIN,
        **kwargs,  # type: ignore[arg-type]
    )


def logged_kms_bucket(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey,
    access_logs: s3.IBucket,
    log_prefix: str,
    **kwargs: object,
) -> s3.Bucket:
    """A secure bucket encrypted under ``key`` (with S3 Bucket Keys), access-logged."""
    return secure_bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=log_prefix,
        **kwargs,
    )


def log_access(bucket: s3.Bucket, access_logs: s3.IBucket, prefix: str) -> None:
    """Server access logs of ``bucket`` to ``access_logs``, a bucket of an earlier stack, whose
    policy lets S3's log delivery write them for this account's buckets only
    (``aws:SourceAccount``). CDK's own wiring (``server_access_logs_bucket``) names the source
    bucket only within one stack and writes the grant without any condition across stacks;
    naming it here would make the earlier stack refer to this one. S3's guide advises the source
    conditions ``aws:SourceArn`` and ``aws:SourceAccount`` for this grant
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)."""
    cfn_bucket = cast(s3.CfnBucket, bucket.node.default_child)
    cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=access_logs.bucket_name, log_file_prefix=prefix
    )
    access_logs.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[access_logs.arn_for_objects(f"{prefix}*")],
            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(access_logs).account}},
        )
    )
