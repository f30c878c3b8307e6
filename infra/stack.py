"""The OnGPT Accounts stacks: the policy's controls as infrastructure, by lifecycle.

Each stack refers only to the stacks before it (``infra/names.py``), through the exports and
``Fn::ImportValue`` that CDK writes for every value one stack takes from another:

- ``Data``: what is kept: the keys, the tables and their backups, the trail and the audit
  anchors with their buckets, and the functions' roles, which the key policies, the audit
  table's policy and the anchor bucket's policy name (``infra/roles.py``).
- ``Identity``: who calls: the user pool and its web ACL, the identity pool, the guest,
  customer and staff roles.
- ``Api``: what runs: the shared layer, the functions and their queues, the REST API and the
  privacy centre. The page's CSP and configuration name the API, and the API's CORS (preflights,
  gateway responses, the functions' ``SITE_ORIGIN``) names the page's origin: CloudFormation
  resolves such a pair only inside one stack.
- ``Operations``: what watches and schedules: the alarms, the dashboard, the schedules.

Stateful resources (keys, tables, user pool, buckets, log groups) are retained and
deletion-protected, and every stack has termination protection.
"""

from __future__ import annotations

from typing import Any, assert_never

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import catalogue
from infra.access import CUSTOMER, GUEST, STAFF_ROLES, Pattern
from infra.anchors import AuditAnchors
from infra.catalogue import DataKeys, Items, Need
from infra.compliance import acknowledge, in_all_packs
from infra.data import Data
from infra.firewall import UserPoolFirewall
from infra.functions import ServiceFunction, function_role, shared_layer
from infra.gateway import Gateway
from infra.identity import Identity
from infra.jobs import Jobs
from infra.keys import Keys
from infra.load_model import worker_concurrency
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
    "cognito-idp:AdminGetUser",  # a reactivation needs a sign-in to turn on
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminSetUserMFAPreference",
)


class _AppStack(Stack):
    """A stack of the app, retained: termination protection on."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, termination_protection=True, **kwargs)
        acknowledge(
            self,
            "Each role's permissions are a policy CDK generates for that role alone from its "
            "grants; a customer-managed policy would hold the same statements, reused nowhere.",
            *in_all_packs("IAMNoInlinePolicy"),
        )


class DataStack(_AppStack):
    """Keys, tables, backups, the trail, the audit anchors, and the roles their policies name."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.keys = Keys(self, "Keys")
        self.data = Data(self, "Data", keys=self.keys)
        self.trail = AuditTrail(
            self, "AuditTrail", key=self.keys.ops, tables=list(self.data.tables.values())
        )
        self.anchors = AuditAnchors(
            self, "Anchors", key=self.keys.ops, access_logs=self.trail.access_logs
        )
        self.function_roles = {spec: function_role(self, spec) for spec in catalogue.ALL_FUNCTIONS}
        self.data.only_appenders_write(
            tables.AUDIT,
            [role for spec, role in self.function_roles.items() if Need.AUDIT_APPEND in spec.needs],
        )


class IdentityStack(_AppStack):
    """The user pool (and its web ACL), the identity pool, the guest, customer and staff roles."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        data: DataStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.identity = Identity(self, "Identity", settings=settings)
        UserPoolFirewall(
            self,
            "UserPoolFirewall",
            user_pool_arn=self.identity.user_pool.user_pool_arn,
            log_key=data.keys.firewall_logs,
        )


class ApiStack(_AppStack):
    """The functions, their queues, the REST API and the privacy centre."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        data: DataStack,
        identity: IdentityStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.data, self.identity = data, identity.identity
        self.messaging = Messaging(self, "Messaging", settings=settings, key=data.keys.data)
        layer = shared_layer(self, settings)
        self.functions = {
            spec: ServiceFunction(
                self,
                spec,
                role=data.function_roles[spec],
                layer=layer,
                log_key=data.keys.ops,
                dead_letter_queue=(
                    self.messaging.job_dlq if spec in catalogue.SCHEDULED_JOBS else None
                ),
                reserved_concurrency=worker_concurrency(spec),
                snap_start=spec in catalogue.API_FUNCTIONS,  # the functions that serve people
            )
            for spec in catalogue.ALL_FUNCTIONS
        }
        for service in self.functions.values():
            self._provide(service, settings)
        for worker, queue in (
            (catalogue.REGISTRATION_CODES, self.messaging.registration_codes),
            (catalogue.RECOVERY_CODES, self.messaging.recovery_codes),
            (catalogue.ANNOUNCEMENT_WORKER, self.messaging.announcements),
        ):
            self.functions[worker].consume(queue)
        self.functions[catalogue.NOTICE_DELIVERY].consume_stream(
            data.data[tables.OUTBOX], self.messaging.notice_dlq, retries=MAX_DELIVERY_ATTEMPTS
        )
        self.functions[catalogue.AUDIT_CHANGES].consume_stream(
            data.data[tables.AUDIT],
            self.messaging.audit_change_dlq,
            retries=MAX_DELIVERY_ATTEMPTS,
            events=("MODIFY", "REMOVE"),  # entries are only added: any other change is a rewrite
        )

        self.gateway = Gateway(
            self,
            "Api",
            functions=[self.functions[spec] for spec in catalogue.API_FUNCTIONS],
            log_key=data.keys.ops,
            firewall_log_key=data.keys.firewall_logs,
        )
        staff = self.identity.staff_roles
        callers: dict[str, tuple[iam.IRole, tuple[Pattern, ...]]] = {
            "Guest": (self.identity.guest_role, GUEST),
            "Customer": (self.identity.customer_role, CUSTOMER),
            **{name: (staff[name], patterns) for name, patterns in STAFF_ROLES.items()},
        }
        self.gateway.only_from(
            [role for role, _ in callers.values()], self.identity.identity_pool.identity_pool_id
        )
        for name, (role, patterns) in callers.items():
            self.gateway.allow_invoke(name, role, patterns)

        self.site = Site(
            self,
            "Site",
            api=self.gateway.api,
            identity=self.identity,
            access_logs=data.trail.access_logs,
            domain=settings.site_domain,
        )
        self.gateway.allow_site(self.site.origin)
        CfnOutput(self, "ApiUrl", value=self.gateway.api.url, description="The API (ongpt-staff)")

    def _provide(self, service: ServiceFunction, settings: Settings) -> None:
        """Turn each of the function's needs into its grants and environment, nothing more."""
        data, keys, pool = self.data.data, self.data.keys, self.identity.user_pool
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
                    service.use_audit_anchors(keys, self.data.anchors, write=write)
                case Need.BLIND_INDEX:
                    service.use_blind_index(keys)
                case Need.PAGES:
                    service.use_page_key(keys)
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
                case Need.JOB_RUNS:
                    service.run_in_pages(data[tables.JOBS])
                case _:
                    assert_never(need)


class OperationsStack(_AppStack):
    """The schedules of the jobs, the alarms and the dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        data: DataStack,
        api: ApiStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        functions, messaging = api.functions, api.messaging
        self.jobs = Jobs(
            self,
            "Jobs",
            expiry_reminders=functions[catalogue.EXPIRY_REMINDERS],
            audit_anchors=functions[catalogue.AUDIT_ANCHORS],
            erasure=functions[catalogue.ERASURE],
            audit_verification=functions[catalogue.AUDIT_VERIFICATION],
            dead_letter_queue=messaging.job_dlq,
        )
        self.observability = Observability(
            self,
            "Observability",
            api=api.gateway.api,
            access_logs=api.gateway.access_logs,
            trail_logs=data.trail.log_group,
            audit_table=data.data[tables.AUDIT],
            audit_key=data.keys.audit,
            anchor_bucket=data.anchors.bucket,
            functions=list(functions.values()),
            dead_letter_queues={
                "RegistrationCode": messaging.registration_code_dlq,
                "RecoveryCode": messaging.recovery_code_dlq,
                "Announcement": messaging.announcement_dlq,
                "Job": messaging.job_dlq,
                "Notice": messaging.notice_dlq,
                "AuditChange": messaging.audit_change_dlq,
            },
            key=data.keys.ops,
            alarm_email=settings.alarm_email,
        )
