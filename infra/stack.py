"""The OnGPT Accounts stack: the policy's controls as infrastructure.

One stack so that key policies can name the roles that use the keys; stateful resources
(keys, tables, user pool, trail buckets, log groups) are retained and deletion-protected.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_lambda_event_sources as event_sources
from constructs import Construct

from infra import catalogue
from infra.access import CUSTOMER, GUEST, STAFF_ROLES
from infra.compliance import acknowledge, in_all_packs
from infra.data import Data
from infra.functions import ServiceFunction, shared_layer
from infra.gateway import Gateway
from infra.identity import Identity
from infra.jobs import Jobs
from infra.keys import Keys
from infra.messaging import Messaging
from infra.observability import Observability
from infra.settings import Settings
from infra.trail import AuditTrail
from ongpt import tables

COGNITO_REGISTRATION = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminDeleteUser",
)
COGNITO_PROFILE_CHANGE = (
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminUserGlobalSignOut",
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
        self.messaging = Messaging(self, "Messaging", settings=settings, key=self.keys.data)

        layer = shared_layer(self)
        self.functions = {
            spec: ServiceFunction(
                self,
                spec,
                layer=layer,
                log_key=self.keys.ops,
                dead_letter_queue=(
                    self.messaging.job_dlq if spec is catalogue.EXPIRY_REMINDERS else None
                ),
            )
            for spec in catalogue.ALL_FUNCTIONS
        }
        self._grant(settings)

        self.gateway = Gateway(
            self,
            "Api",
            functions=[self.functions[spec] for spec in catalogue.API_FUNCTIONS],
            log_key=self.keys.ops,
        )
        self.gateway.allow_invoke(self.identity.guest_role, GUEST)
        self.gateway.allow_invoke(self.identity.customer_role, CUSTOMER)
        for name, patterns in STAFF_ROLES.items():
            self.gateway.allow_invoke(self.identity.staff_roles[name], patterns)

        self.jobs = Jobs(
            self,
            "Jobs",
            expiry_reminders=self.functions[catalogue.EXPIRY_REMINDERS],
            dead_letter_queue=self.messaging.job_dlq,
        )
        self.trail = AuditTrail(
            self, "AuditTrail", key=self.keys.ops, tables=list(self.data.tables.values())
        )
        self.observability = Observability(
            self,
            "Observability",
            api=self.gateway.api,
            functions=list(self.functions.values()),
            dead_letter_queues={
                "Announcement": self.messaging.announcement_dlq,
                "Job": self.messaging.job_dlq,
            },
            key=self.keys.ops,
            alarm_email=settings.alarm_email,
        )

    def _grant(self, settings: Settings) -> None:
        """What each function may touch: its tables, keys, identity and messaging, no more."""
        fns, data, keys = self.functions, self.data, self.keys
        pool, messaging = self.identity.user_pool, self.messaging
        customers, audit = data[tables.CUSTOMERS], data[tables.AUDIT]
        api_writers = (
            catalogue.REGISTRATION,
            catalogue.EDIT_REQUESTS,
            catalogue.CONTRACTS,
            catalogue.ANNOUNCEMENTS,
            catalogue.COMPLAINTS,
            catalogue.DISCLOSURES,
            catalogue.ANALYTICS,
        )
        for spec in api_writers:
            fns[spec].use_table(tables.IDEMPOTENCY, data[tables.IDEMPOTENCY], write=True)

        registration = fns[catalogue.REGISTRATION]
        registration.use_table(tables.REGISTRATIONS, data[tables.REGISTRATIONS], write=True)
        registration.use_user_pool(pool, *COGNITO_REGISTRATION)

        edits = fns[catalogue.EDIT_REQUESTS]
        edits.use_user_pool(pool, *COGNITO_PROFILE_CHANGE)

        for spec in (
            catalogue.REGISTRATION,
            catalogue.ME,
            catalogue.EDIT_REQUESTS,
            catalogue.CONTRACTS,
            catalogue.COMPLAINTS,
            catalogue.DISCLOSURES,
            catalogue.ANNOUNCEMENT_WORKER,
            catalogue.EXPIRY_REMINDERS,
        ):
            fns[spec].use_table(tables.CUSTOMERS, customers, write=True)
        for spec in (catalogue.STAFF_CUSTOMERS, catalogue.ANNOUNCEMENTS):
            fns[spec].use_table(tables.CUSTOMERS, customers)

        for spec in (
            catalogue.REGISTRATION,
            catalogue.ME,
            catalogue.EDIT_REQUESTS,
            catalogue.STAFF_CUSTOMERS,
            catalogue.CONTRACTS,
            catalogue.COMPLAINTS,
            catalogue.ANNOUNCEMENT_WORKER,
            catalogue.EXPIRY_REMINDERS,
        ):
            fns[spec].use_field_encryption(keys)
        for spec in (catalogue.REGISTRATION, catalogue.EDIT_REQUESTS, catalogue.STAFF_CUSTOMERS):
            fns[spec].use_blind_index(keys)

        for spec in (
            catalogue.REGISTRATION,
            catalogue.ME,
            catalogue.EDIT_REQUESTS,
            catalogue.STAFF_CUSTOMERS,
            catalogue.CONTRACTS,
            catalogue.ANNOUNCEMENTS,
            catalogue.COMPLAINTS,
            catalogue.DISCLOSURES,
            catalogue.AUDIT,
        ):
            fns[spec].append_audit(audit)
        for spec in (catalogue.ME, catalogue.AUDIT):
            audit.grant_read_data(fns[spec].role)

        for spec in (
            catalogue.REGISTRATION,
            catalogue.EDIT_REQUESTS,
            catalogue.CONTRACTS,
            catalogue.COMPLAINTS,
            catalogue.ANNOUNCEMENT_WORKER,
            catalogue.EXPIRY_REMINDERS,
        ):
            fns[spec].use_email(messaging, settings)
            fns[spec].use_sms()

        fns[catalogue.ANALYTICS].use_table(tables.ANALYTICS, data[tables.ANALYTICS], write=True)
        fns[catalogue.ANNOUNCEMENTS].send_to("ANNOUNCEMENT_QUEUE_URL", messaging.announcements)
        fns[catalogue.ANNOUNCEMENT_WORKER].function.add_event_source(
            event_sources.SqsEventSource(
                messaging.announcements, batch_size=10, report_batch_item_failures=True
            )
        )
