"""The composition root: every key, client, store and service a function uses, built from the
function's settings on first use and reused warm.

One factory per dependency, named as every constructor parameter that takes it (one name per
concept: a ``CustomerStore`` is ``customer_store`` everywhere), declared in one line by what it
is: a gateway on its AWS client and setting (``_aws``), a store on its DynamoDB table, which its
class names as ``TABLE`` (``_store``), or a service whose parameters are filled by the factories
of their names (``_service``). The target is named as text, ``"area.module:Class"``, and imported
when the factory is first called, so that a function loads only what it uses (importing every
domain here made each handler's cold start pay for all of them); the annotation,
``Factory[Class]``, gives callers the type (``tests/unit/test_services_wiring.py`` checks that the
two agree)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from ongpt.platform import settings as env
from ongpt.platform.aws import Service, client

if TYPE_CHECKING:
    from ongpt.analytics.service import Analytics
    from ongpt.analytics.store import AnalyticsStore
    from ongpt.announcements.service import AnnouncementNotices, Announcements
    from ongpt.announcements.store import AnnouncementStore
    from ongpt.audit.anchors import AnchoredVerifier, AnchorJob
    from ongpt.audit.chain_key import ChainKey
    from ongpt.audit.service import AuditReader
    from ongpt.audit.store import AnchorStore, AuditLog
    from ongpt.complaints.service import Complaints
    from ongpt.complaints.store import ComplaintStore
    from ongpt.consents.service import Consents
    from ongpt.consents.store import ConsentStore
    from ongpt.contracts.service import Contracts, Reminders
    from ongpt.contracts.store import ContractStore
    from ongpt.customers.accounts import Accounts
    from ongpt.customers.service import Customers
    from ongpt.customers.store import CustomerStore
    from ongpt.disclosures.service import Disclosures
    from ongpt.disclosures.store import DisclosureStore
    from ongpt.edits.service import EditRequests
    from ongpt.edits.store import EditStore
    from ongpt.erasure.service import Erasure
    from ongpt.erasure.store import ErasureStore
    from ongpt.export.service import Exports
    from ongpt.jobs.service import JobPasses
    from ongpt.jobs.store import JobRunStore
    from ongpt.lifecycle.recovery import Recoveries, RecoveryCodes
    from ongpt.lifecycle.service import AccountLifecycle
    from ongpt.lifecycle.store import LifecycleStore, RecoveryStore
    from ongpt.notify.delivery import Notifier
    from ongpt.notify.dispatch import NoticeDelivery
    from ongpt.notify.send_limits import SendLimits
    from ongpt.notify.store import NoticeStore, SendCounters
    from ongpt.platform.pages import Cursors
    from ongpt.registration.service import Registrations
    from ongpt.registration.store import RegistrationStore
    from ongpt.security.crypto import BlindIndex, DataKeys
    from ongpt.staff.service import StaffAccess
    from ongpt.storage.key_store import KeyStore
    from ongpt.storage.markers import Markers
    from ongpt.storage.outbox import Outbox

T = TypeVar("T")
Factory: TypeAlias = Callable[[], T]


def _wired(service: Callable[..., T], **given: object) -> T:
    """``service`` built with each parameter from the factory of its name here, but those
    ``given`` and those with a default (a clock); a parameter with neither is a ``KeyError``."""
    factories = globals()
    return service(
        **{
            name: given[name] if name in given else factories[name]()
            for name, parameter in inspect.signature(service).parameters.items()
            if name in given or parameter.default is inspect.Parameter.empty
        }
    )


def _class(target: str) -> Any:
    """The class ``target`` names, ``"area.module:Class"`` within ``ongpt``, imported now."""
    module, name = target.split(":")
    return getattr(import_module(f"ongpt.{module}"), name)


def _aws(target: str, service: Service, setting: env.Variable[str]) -> Factory[Any]:
    """``target`` on the client of its AWS ``service`` and the value of its ``setting``."""
    return cache(lambda: _class(target)(client(service), setting.value()))


def _store(target: str, *more: Callable[[], object]) -> Factory[Any]:
    """The store ``target`` on its table (the ``TABLE`` its class names), then what each of
    ``more`` makes (a dependency's factory, a second setting's ``value``)."""

    def build() -> Any:
        store = _class(target)
        return store(client("dynamodb"), store.TABLE.value(), *(make() for make in more))

    return cache(build)


def _service(target: str, **given: Callable[[], object]) -> Factory[Any]:
    """The service ``target``, ``_wired``, but for the parameters ``given`` build."""
    return cache(lambda: _wired(_class(target), **{name: make() for name, make in given.items()}))


def _queue(queue_url: env.Variable[str], *, batches: bool = False) -> Factory[object]:
    """What sends to the queue at ``queue_url``: one message, or ``batches`` of them. The queue
    module is imported on first use: it brings pydantic, which the scheduled jobs never need."""

    def build() -> object:
        from ongpt.platform.queues import batch_sender, sender

        return (batch_sender if batches else sender)(client("sqs"), queue_url.value())

    return build


def account_status(customer_id: str) -> str | None:
    """The status of a customer's account, by which the API admits customers (``create_app``)."""
    return customer_store().status(customer_id)


# Keys and gateways

data_keys: Factory[DataKeys] = _aws("security.crypto:DataKeys", "kms", env.DATA_KEY_ID)
blind_index: Factory[BlindIndex] = _aws("security.crypto:BlindIndex", "kms", env.BLIND_INDEX_KEY_ID)
chain_key: Factory[ChainKey] = _aws("audit.chain_key:ChainKey", "kms", env.AUDIT_KEY_ID)
accounts: Factory[Accounts] = _aws("customers.accounts:Accounts", "cognito-idp", env.USER_POOL_ID)
anchor_store: Factory[AnchorStore] = _aws("audit.store:AnchorStore", "s3", env.AUDIT_ANCHOR_BUCKET)
cursors: Factory[Cursors] = _aws("platform.pages:Cursors", "kms", env.PAGE_KEY_ID)


@cache
def notifier() -> Notifier:
    from ongpt.notify.delivery import Notifier

    return Notifier(
        client("sesv2"),
        client("sns"),
        env.SENDER_EMAIL.value(),
        env.SES_CONFIGURATION_SET.value(),
        notice_store(),
        env.SMS_COUNTRY_CODES.value(),
    )


# Stores: each area's table access

customer_store: Factory[CustomerStore] = _store(
    "customers.store:CustomerStore", env.GUARDS_TABLE.value
)
registration_store: Factory[RegistrationStore] = _store("registration.store:RegistrationStore")
recovery_store: Factory[RecoveryStore] = _store("lifecycle.store:RecoveryStore")
lifecycle_store: Factory[LifecycleStore] = _store("lifecycle.store:LifecycleStore")
consent_store: Factory[ConsentStore] = _store("consents.store:ConsentStore")
edit_store: Factory[EditStore] = _store("edits.store:EditStore")
contract_store: Factory[ContractStore] = _store("contracts.store:ContractStore")
announcement_store: Factory[AnnouncementStore] = _store("announcements.store:AnnouncementStore")
complaint_store: Factory[ComplaintStore] = _store("complaints.store:ComplaintStore")
disclosure_store: Factory[DisclosureStore] = _store("disclosures.store:DisclosureStore")
notice_store: Factory[NoticeStore] = _store("notify.store:NoticeStore")
send_counters: Factory[SendCounters] = _store("notify.store:SendCounters")
markers: Factory[Markers] = _store("storage.markers:Markers")
analytics_store: Factory[AnalyticsStore] = _store("analytics.store:AnalyticsStore")
erasure_store: Factory[ErasureStore] = _store(
    "erasure.store:ErasureStore", env.ERASURES_TABLE.value, customer_store
)
key_store: Factory[KeyStore] = _store("storage.key_store:KeyStore", data_keys)
outbox: Factory[Outbox] = _store("storage.outbox:Outbox", key_store)
audit_log: Factory[AuditLog] = _store("audit.store:AuditLog", chain_key)
job_runs: Factory[JobRunStore] = _store("jobs.store:JobRunStore", env.SERVICE_NAME.value)

# Services

job_passes: Factory[JobPasses] = _service("jobs.service:JobPasses")
registrations: Factory[Registrations] = _service(
    "registration.service:Registrations", enqueue=_queue(env.REGISTRATION_QUEUE_URL)
)
customers: Factory[Customers] = _service("customers.service:Customers")
staff_access: Factory[StaffAccess] = _service("staff.service:StaffAccess")
edit_requests: Factory[EditRequests] = _service("edits.service:EditRequests")
account_lifecycle: Factory[AccountLifecycle] = _service("lifecycle.service:AccountLifecycle")
recoveries: Factory[Recoveries] = _service(
    "lifecycle.recovery:Recoveries", enqueue=_queue(env.RECOVERY_QUEUE_URL)
)
recovery_codes: Factory[RecoveryCodes] = _service("lifecycle.recovery:RecoveryCodes")
consents: Factory[Consents] = _service("consents.service:Consents")
contracts: Factory[Contracts] = _service("contracts.service:Contracts")
reminders: Factory[Reminders] = _service(
    "contracts.service:Reminders", dead_letters=_queue(env.JOB_DLQ_URL)
)
announcements: Factory[Announcements] = _service(
    "announcements.service:Announcements", enqueue=_queue(env.ANNOUNCEMENT_QUEUE_URL, batches=True)
)
complaints: Factory[Complaints] = _service("complaints.service:Complaints")
disclosures: Factory[Disclosures] = _service("disclosures.service:Disclosures")
analytics: Factory[Analytics] = _service("analytics.service:Analytics")
send_limits: Factory[SendLimits] = _service("notify.send_limits:SendLimits")
erasure: Factory[Erasure] = _service("erasure.service:Erasure", due=lifecycle_store)
audit_verifier: Factory[AnchoredVerifier] = _service("audit.anchors:AnchoredVerifier")
audit_reader: Factory[AuditReader] = _service("audit.service:AuditReader")
exports: Factory[Exports] = _service("export.service:Exports")
announcement_notices: Factory[AnnouncementNotices] = _service(
    "announcements.service:AnnouncementNotices"
)
notice_delivery: Factory[NoticeDelivery] = _service("notify.dispatch:NoticeDelivery")
anchor_job: Factory[AnchorJob] = _service("audit.anchors:AnchorJob")
