"""DynamoDB tables (keys and indexes from ``ongpt.storage.tables``) and their backups (P2.1, P4)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.compliance import acknowledge, in_all_packs
from infra.guardrails import APPEND_ONLY_TAG
from infra.keys import Keys
from ongpt.storage import tables
from ongpt.storage.tables import TableSpec

_STRING = dynamodb.AttributeType.STRING


def _attribute(name: str | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=name, type=_STRING) if name else None


class Data(Construct):
    """Every table encrypted with a customer-managed key, PITR on, deletion-protected, backed up."""

    def __init__(self, scope: Construct, construct_id: str, *, keys: Keys) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[TableSpec, dynamodb.Table] = {}
        for spec in tables.ALL_TABLES:
            key = keys.analytics if spec is tables.ANALYTICS else keys.data
            self.tables[spec] = self._table(spec, key)
        Tags.of(self.tables[tables.AUDIT]).add(APPEND_ONLY_TAG, "true")

        vault = backup.BackupVault(
            self, "BackupVault", encryption_key=keys.data, removal_policy=RemovalPolicy.RETAIN
        )
        plan = backup.BackupPlan(self, "BackupPlan", backup_vault=vault)
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Daily35Days",
                schedule_expression=events.Schedule.cron(hour="18", minute="0"),
                delete_after=Duration.days(35),
            )
        )
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Monthly1Year",
                schedule_expression=events.Schedule.cron(day="1", hour="18", minute="0"),
                move_to_cold_storage_after=Duration.days(30),
                delete_after=Duration.days(365),
            )
        )
        selection = plan.add_selection(
            "Tables",
            resources=[
                backup.BackupResource.from_dynamo_db_table(table)
                for spec, table in self.tables.items()
                if spec.backed_up
            ],
        )
        acknowledge(
            selection,
            "AWS Backup's own role for taking backups uses the AWS-managed policy made for it.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
        )

    def _table(self, spec: TableSpec, key: kms.IKey) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            spec.construct_id,
            partition_key=dynamodb.Attribute(name=spec.partition_key, type=_STRING),
            sort_key=_attribute(spec.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True, recovery_period_in_days=spec.recovery_days
            ),
            deletion_protection=True,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType[spec.stream] if spec.stream else None,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if not spec.backed_up:
            acknowledge(
                table,
                "Kept out of backups on purpose: it holds what erasure destroys (the data keys, "
                "the address guards that link a blind index to a customer) or sign-ups that live "
                "a day, so that no backup can open an erased value or tie an address to an "
                f"erased customer; its point-in-time recovery keeps {spec.recovery_days} days.",
                *in_all_packs("DynamoDBInBackupPlan"),
            )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=_STRING),
                sort_key=dynamodb.Attribute(name=index.sort_key, type=_STRING),
            )
        return table

    def only_appenders_write(self, spec: TableSpec, appenders: list[iam.IRole]) -> None:
        """The table's own policy, for every principal of the account (an administrator too):
        only the appending functions' roles may put items, no one may change or delete one."""
        table = self.tables[spec]
        table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyAppendersPut",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["dynamodb:PutItem", "dynamodb:PartiQLInsert"],
                resources=["*"],  # the table itself: it cannot name its own ARN
                conditions={"ArnNotEquals": {"aws:PrincipalArn": [r.role_arn for r in appenders]}},
            )
        )
        table.add_to_resource_policy(
            iam.PolicyStatement(
                sid="NoOneChangesOrDeletesEntries",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=[
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:PartiQLUpdate",
                    "dynamodb:PartiQLDelete",
                ],
                resources=["*"],
            )
        )

    def __getitem__(self, spec: TableSpec) -> dynamodb.Table:
        return self.tables[spec]
