"""KMS keys. Their policies name who may use them: the account administers each key, and use is
granted to named roles, or to services acting for the account (``kms:ViaService``).

- ``data``: customer records at rest (tables, queues, backups) and field-level envelope
  encryption with per-customer data keys (encryption context ``customer_id``).
- ``blind_index``: HMAC key for blind indexes of email and phone.
- ``audit``: HMAC key of the audit entries and their anchors, apart from the blind index's so
  that its grants are its own: appenders and the anchor job may ``GenerateMac``, verifiers (the
  audit reader, the anchor job, the daily verification) ``VerifyMac``.
- ``pages``: HMAC key from which the functions with list routes derive, once per execution
  environment, the key that seals their pages' cursors (``ongpt.platform.pages``): apart from
  the others, so that no grant on it reaches blind indexes or audit entries.
- ``analytics``: the analytics table, apart from personal data (P1.3).
- ``ops``: logs, the CloudTrail trail and its bucket, the audit anchors' bucket, the alarm topic.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.roles import Grantee

ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]
DATA_KEY_OWNERS = ["customer_id", "registration_id", "recovery_id", "complaint_id"]
ENVELOPE_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
]


def _administered_by_account() -> iam.PolicyDocument:
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="AdministerByAccount",
                principals=[iam.AccountRootPrincipal()],
                actions=ADMIN_ACTIONS,
                resources=["*"],
            )
        ]
    )


class Keys(Construct):
    """The service's customer-managed keys."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.data = self._symmetric("DataKey", "Customer records and field-level encryption")
        self.analytics = self._symmetric("AnalyticsKey", "Analytics, apart from personal data")
        self.ops = self._symmetric("OpsKey", "Logs, audit trail and alarms")
        # WAF logs hold client addresses (P1.3): apart from every other log, under their own key.
        self.firewall_logs = self._symmetric("FirewallLogsKey", "WAF logs of blocked requests")
        self.blind_index = self._hmac(
            "BlindIndexKey", "blind-index", "HMAC for blind indexes of email and phone"
        )
        self.audit = self._hmac("AuditKey", "audit", "HMAC of audit entries")
        self.pages = self._hmac("PageKey", "pages", "HMAC the list pages' cursor key derives from")
        for key in (self.data, self.analytics):
            self._allow_via_services(key, "dynamodb", "sqs", "backup")
        for key in (self.ops, self.firewall_logs):
            self._allow_logs(key)
        self._allow_via_services(self.ops, "s3")
        self.ops.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsPublishToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )

    def _symmetric(self, construct_id: str, purpose: str) -> kms.Key:
        slug = construct_id.removesuffix("Key").lower()
        return kms.Key(
            self,
            construct_id,
            description=f"OnGPT Accounts: {purpose}",
            alias=f"alias/ongpt-accounts/{slug}",
            enable_key_rotation=True,
            rotation_period=Duration.days(365),
            policy=_administered_by_account(),
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )

    def _hmac(self, construct_id: str, slug: str, purpose: str) -> kms.Key:
        return kms.Key(
            self,
            construct_id,
            description=f"OnGPT Accounts: {purpose}",
            alias=f"alias/ongpt-accounts/{slug}",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            policy=_administered_by_account(),
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )

    @staticmethod
    def _allow_via_services(key: kms.Key, *services: str) -> None:
        """Account principals may use the key only through these services (IAM decides who)."""
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="UseThroughServices",
                principals=[iam.AccountRootPrincipal()],
                actions=[*ENVELOPE_ACTIONS, "kms:CreateGrant"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:CallerAccount": Aws.ACCOUNT_ID,
                        "kms:ViaService": [
                            f"{service}.{Aws.REGION}.amazonaws.com" for service in services
                        ],
                    }
                },
            )
        )

    @staticmethod
    def _allow_logs(key: kms.Key) -> None:
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsEncryptLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=ENVELOPE_ACTIONS,
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )

    def allow_data_keys(self, grantee: Grantee, action: str, owners: Sequence[str]) -> None:
        """Data keys of these owner types only: the encryption context must name one owner (a
        customer, the registration that will become one, a recovery, or a complaint), so
        CloudTrail shows whose data was opened (P2.1), and a function opens only the owner types
        it serves."""
        if not owners:
            return
        unknown = set(owners) - set(DATA_KEY_OWNERS)
        assert not unknown, f"not an owner type of data keys: {unknown}"
        conditions = {
            "Null": {"kms:EncryptionContextKeys": "false"},
            "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(owners)},
        }
        grantee.policies.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[action], resources=[self.data.key_arn], conditions=conditions
            )
        )
        self.data.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[grantee.role], actions=[action], resources=["*"], conditions=conditions
            )
        )

    def allow_blind_index(self, grantee: Grantee) -> None:
        """HMAC of normalised email and phone for lookups and uniqueness."""
        _allow_mac(self.blind_index, grantee, "kms:GenerateMac")

    def allow_page_key(self, grantee: Grantee) -> None:
        """``kms:GenerateMac`` of the one label the cursor key derives from."""
        _allow_mac(self.pages, grantee, "kms:GenerateMac")

    def allow_audit_mac(self, grantee: Grantee, action: str) -> None:
        """``kms:GenerateMac`` to key new audit entries (or anchors), ``kms:VerifyMac`` to check
        them."""
        _allow_mac(self.audit, grantee, action)


def _allow_mac(key: kms.Key, grantee: Grantee, action: str) -> None:
    """The role's policy and the key's policy both name the one action."""
    grantee.policies.add_to_principal_policy(
        iam.PolicyStatement(actions=[action], resources=[key.key_arn])
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(principals=[grantee.role], actions=[action], resources=["*"])
    )
