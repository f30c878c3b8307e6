"""The OnGPT Accounts stack: the policy's controls as infrastructure.

One stack so that key policies can name the roles that use the keys; stateful resources
(keys, tables, user pool, trail buckets, log groups) are retained and deletion-protected.
"""

from __future__ import annotations

from typing import assert_never

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra import catalogue
from infra.access import CUSTOMER, GUEST, STAFF_ROLES
from infra.anchors import AuditAnchors
from infra.catalogue import DataKeys, Items, Need
from infra.compliance import acknowledge, in_all_packs
from infra.data import Data
from infra.firewall import UserPoolFirewall
from infra.functions import ServiceFunction, shared_layer
from infra.gateway import Gateway
from infra.identity import Identity
from infra.jobs import Jobs
from infra.keys import Keys
from infra.messaging import MAX_DELIVERY_ATTEMPTS, Messaging
from infra.observability import Observability
from infra.settings import Settings
from infra.site import Site
from infra.trail import AuditTrail
from ongpt.platform import settings as env
from ongpt.storage import tables

COGNITO_SIGN_UP = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminGetUser",  # a sign-in left by an attempt that died is taken over
    "cognito-idp:AdminDeleteUser",  # the sign-in is removed if its profile cannot be written
)
COGNITO_PROFILE_CHANGE = (
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminUserGlobalSignOut",  # every session ends once the addresses moved
)
COGNITO_ACCOUNT = (
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminSetUserMFAPreference",
)


class OnGptAccountsStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        acknowledge(
            self,
            "Each role's permissions are a policy CDK generates for that role alone from its "
            "grants; a customer-managed policy would hold the same statements, reused nowhere.",
            *in_all_packs("IAMNoInlinePolicy"),
        )
        self.keys = Keys(self, "Keys")
        self.data = Data(self, "Data", keys=self.keys)
        self.identity = Identity(self, "Identity", settings=settings)
        UserPoolFirewall(
            self,
            "UserPoolFirewall",
            user_pool_arn=self.identity.user_pool.user_pool_arn,
            log_key=self.keys.firewall_logs,
        )
        self.messaging = Messaging(self, "Messaging", settings=settings, key=self.keys.data)
        self.trail = AuditTrail(
            self, "AuditTrail", key=self.keys.ops, tables=list(self.data.tables.values())
        )
        self.anchors = AuditAnchors(
            self, "Anchors", key=self.keys.ops, access_logs=self.trail.access_logs
        )

        layer = shared_layer(self, settings)
        self.functions = {
            spec: ServiceFunction(
                self,
                spec,
                layer=layer,
                log_key=self.keys.ops,
                dead_letter_queue=(
                    self.messaging.job_dlq if spec in catalogue.SCHEDULED_JOBS else None
                ),
            )
            for spec in catalogue.ALL_FUNCTIONS
        }
        for service in self.functions.values():
            self._provide(service, settings)
        self.data.only_appenders_write(
            tables.AUDIT,
            [s.role for s in self.functions.values() if Need.AUDIT_APPEND in s.spec.needs],
        )
        for worker, queue in (
            (catalogue.REGISTRATION_CODES, self.messaging.registration_codes),
            (catalogue.RECOVERY_CODES, self.messaging.recovery_codes),
            (catalogue.ANNOUNCEMENT_WORKER, self.messaging.announcements),
        ):
            self.functions[worker].consume(queue)
        self.functions[catalogue.NOTICE_DELIVERY].consume_stream(
            self.data[tables.OUTBOX], self.messaging.notice_dlq, retries=MAX_DELIVERY_ATTEMPTS
        )
        self.functions[catalogue.AUDIT_CHANGES].consume_stream(
            self.data[tables.AUDIT],
            self.messaging.audit_change_dlq,
            retries=MAX_DELIVERY_ATTEMPTS,
            events=("MODIFY", "REMOVE"),  # entries are only added: any other change is a rewrite
        )

        self.gateway = Gateway(
            self,
            "Api",
            functions=[self.functions[spec] for spec in catalogue.API_FUNCTIONS],
            log_key=self.keys.ops,
            firewall_log_key=self.keys.firewall_logs,
        )
        self.gateway.only_from(
            [
                self.identity.guest_role,
                self.identity.customer_role,
                *self.identity.staff_roles.values(),
            ],
            self.identity.identity_pool.identity_pool_id,
        )
        self.gateway.allow_invoke(self.identity.guest_role, GUEST)
        self.gateway.allow_invoke(self.identity.customer_role, CUSTOMER)
        for name, patterns in STAFF_ROLES.items():
            self.gateway.allow_invoke(self.identity.staff_roles[name], patterns)

        self.site = Site(
            self,
            "Site",
            api=self.gateway.api,
            identity=self.identity,
            access_logs=self.trail.access_logs,
            domain=settings.site_domain,
        )
        self.gateway.allow_site(self.site.origin)

        self.jobs = Jobs(
            self,
            "Jobs",
            expiry_reminders=self.functions[catalogue.EXPIRY_REMINDERS],
            audit_anchors=self.functions[catalogue.AUDIT_ANCHORS],
            erasure=self.functions[catalogue.ERASURE],
            audit_verification=self.functions[catalogue.AUDIT_VERIFICATION],
            dead_letter_queue=self.messaging.job_dlq,
        )
        self.observability = Observability(
            self,
            "Observability",
            api=self.gateway.api,
            access_logs=self.gateway.access_logs,
            trail_logs=self.trail.log_group,
            audit_table=self.data[tables.AUDIT],
            audit_key=self.keys.audit,
            anchor_bucket=self.anchors.bucket,
            functions=list(self.functions.values()),
            dead_letter_queues={
                "RegistrationCode": self.messaging.registration_code_dlq,
                "RecoveryCode": self.messaging.recovery_code_dlq,
                "Announcement": self.messaging.announcement_dlq,
                "Job": self.messaging.job_dlq,
                "Notice": self.messaging.notice_dlq,
                "AuditChange": self.messaging.audit_change_dlq,
            },
            key=self.keys.ops,
            alarm_email=settings.alarm_email,
        )
        CfnOutput(self, "ApiUrl", value=self.gateway.api.url, description="The API (ongpt-staff)")

    def _provide(self, service: ServiceFunction, settings: Settings) -> None:
        """Turn each of the function's needs into its grants and environment, nothing more."""
        data, keys, pool = self.data, self.keys, self.identity.user_pool
        service.allow_sms_to(settings.sms_country_codes)
        for need in service.spec.needs:
            match need:
                case Items():
                    service.use_items(need, data[need.table])
                case DataKeys():
                    service.use_data_keys(keys, need)
                case Need.SEND_LIMITS:
                    service.count_sends(data[tables.REGISTRATIONS])
                case Need.IDEMPOTENCY:
                    service.use_idempotency(data[tables.IDEMPOTENCY])
                case Need.AUDIT_APPEND:
                    service.append_audit(data[tables.AUDIT], keys)
                case Need.AUDIT_VERIFY | Need.AUDIT_ANCHOR:
                    write = need is Need.AUDIT_ANCHOR
                    service.use_audit_anchors(keys, self.anchors, write=write)
                case Need.BLIND_INDEX:
                    service.use_blind_index(keys)
                case Need.COGNITO_SIGN_UP:
                    service.use_user_pool(pool, *COGNITO_SIGN_UP)
                case Need.COGNITO_PROFILE:
                    service.use_user_pool(pool, *COGNITO_PROFILE_CHANGE)
                case Need.COGNITO_DELETE:
                    service.use_user_pool(pool, "cognito-idp:AdminDeleteUser")
                case Need.COGNITO_ACCOUNT:
                    service.use_user_pool(pool, *COGNITO_ACCOUNT)
                case Need.EMAIL:
                    service.use_email(self.messaging, settings)
                case Need.SMS:
                    service.use_sms()
                case Need.REGISTRATION_QUEUE:
                    service.send_to(env.REGISTRATION_QUEUE_URL, self.messaging.registration_codes)
                case Need.RECOVERY_QUEUE:
                    service.send_to(env.RECOVERY_QUEUE_URL, self.messaging.recovery_codes)
                case Need.ANNOUNCEMENT_QUEUE:
                    service.send_to(env.ANNOUNCEMENT_QUEUE_URL, self.messaging.announcements)
                case Need.JOB_DEAD_LETTERS:
                    service.send_to(env.JOB_DLQ_URL, self.messaging.job_dlq)
                case _:
                    assert_never(need)
