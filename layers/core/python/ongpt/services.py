"""The composition root: every key, client, store and service a function uses, built from the
function's settings on first use and reused warm.

One factory per dependency, named as every constructor parameter that takes it (one name per
concept: a ``CustomerStore`` is ``customer_store`` everywhere). A service is ``_wired``: each of
its parameters filled by the factory of that name, so each dependency is built in one place.
Each factory imports its module when first called, so that a function loads only what it uses:
importing every domain here made each handler's cold start pay for all of them."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from ongpt.platform import settings as env
from ongpt.platform.aws import client

if TYPE_CHECKING:
    from ongpt.analytics.service import Analytics
    from ongpt.analytics.store import AnalyticsStore
    from ongpt.announcements.service import Announcements
    from ongpt.announcements.store import AnnouncementStore
    from ongpt.audit.anchors import AnchoredVerifier, AnchorJob
    from ongpt.audit.chain_key import ChainKey
    from ongpt.audit.service import AuditReader
    from ongpt.audit.store import AnchorStore, AuditLog
    from ongpt.complaints.service import Complaints
    from ongpt.complaints.store import ComplaintStore
    from ongpt.consents.service import Consents
    from ongpt.consents.store import ConsentStore
    from ongpt.contracts.service import Contracts
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
    from ongpt.lifecycle.recovery import Recoveries, RecoveryCodes
    from ongpt.lifecycle.service import AccountLifecycle
    from ongpt.lifecycle.store import LifecycleStore, RecoveryStore
    from ongpt.notify.delivery import Notifier
    from ongpt.notify.dispatch import NoticeDelivery
    from ongpt.notify.send_limits import SendLimits
    from ongpt.notify.store import NoticeStore
    from ongpt.platform.queues import Message
    from ongpt.registration.service import Registrations
    from ongpt.registration.store import RegistrationStore
    from ongpt.security.crypto import BlindIndex, DataKeys
    from ongpt.staff.service import StaffAccess
    from ongpt.storage.key_store import KeyStore
    from ongpt.storage.markers import Markers
    from ongpt.storage.outbox import Outbox

T = TypeVar("T")


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


# Keys, clients and senders


def _sender(queue_url: env.Variable[str]) -> Callable[[Message], None]:
    """Sends one message to the queue at ``queue_url``. The queue module is imported here, on
    first use: it brings pydantic, which the scheduled jobs never need."""
    from ongpt.platform.queues import sender

    return sender(client("sqs"), queue_url.value())


@cache
def data_keys() -> DataKeys:
    from ongpt.security.crypto import DataKeys

    return DataKeys(client("kms"), env.DATA_KEY_ID.value())


@cache
def key_store() -> KeyStore:
    from ongpt.storage.key_store import KeyStore

    return KeyStore(client("dynamodb"), env.DATA_KEYS_TABLE.value(), data_keys())


@cache
def blind_index() -> BlindIndex:
    from ongpt.security.crypto import BlindIndex

    return BlindIndex(client("kms"), env.BLIND_INDEX_KEY_ID.value())


@cache
def chain_key() -> ChainKey:
    from ongpt.audit.chain_key import ChainKey

    return ChainKey(client("kms"), env.AUDIT_KEY_ID.value())


@cache
def accounts() -> Accounts:
    from ongpt.customers.accounts import Accounts

    return Accounts(client("cognito-idp"), env.USER_POOL_ID.value())


def account_status(customer_id: str) -> str | None:
    """The status of a customer's account, by which the API admits customers (``create_app``)."""
    return customer_store().status(customer_id)


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


@cache
def send_limits() -> SendLimits:
    from ongpt.notify.send_limits import SendLimits
    from ongpt.notify.store import SendCounters

    return SendLimits(SendCounters(client("dynamodb"), env.SEND_LIMITS_TABLE.value()))


# Stores: each area's table access


@cache
def customer_store() -> CustomerStore:
    from ongpt.customers.store import CustomerStore

    return CustomerStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def registration_store() -> RegistrationStore:
    from ongpt.registration.store import RegistrationStore

    return RegistrationStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value())


@cache
def recovery_store() -> RecoveryStore:
    from ongpt.lifecycle.store import RecoveryStore

    return RecoveryStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value())


@cache
def lifecycle_store() -> LifecycleStore:
    from ongpt.lifecycle.store import LifecycleStore

    return LifecycleStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def consent_store() -> ConsentStore:
    from ongpt.consents.store import ConsentStore

    return ConsentStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def edit_store() -> EditStore:
    from ongpt.edits.store import EditStore

    return EditStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def contract_store() -> ContractStore:
    from ongpt.contracts.store import ContractStore

    return ContractStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def announcement_store() -> AnnouncementStore:
    from ongpt.announcements.store import AnnouncementStore

    return AnnouncementStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def complaint_store() -> ComplaintStore:
    from ongpt.complaints.store import ComplaintStore

    return ComplaintStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def disclosure_store() -> DisclosureStore:
    from ongpt.disclosures.store import DisclosureStore

    return DisclosureStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def notice_store() -> NoticeStore:
    from ongpt.notify.store import NoticeStore

    return NoticeStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def outbox() -> Outbox:
    from ongpt.storage.outbox import Outbox

    return Outbox(client("dynamodb"), env.OUTBOX_TABLE.value(), key_store())


@cache
def markers() -> Markers:
    from ongpt.storage.markers import Markers

    return Markers(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def analytics_store() -> AnalyticsStore:
    from ongpt.analytics.store import AnalyticsStore

    return AnalyticsStore(client("dynamodb"), env.ANALYTICS_TABLE.value())


@cache
def erasure_store() -> ErasureStore:
    from ongpt.erasure.store import ErasureStore

    return ErasureStore(client("dynamodb"), env.CUSTOMERS_TABLE.value(), env.ERASURES_TABLE.value())


@cache
def audit_log() -> AuditLog:
    from ongpt.audit.store import AuditLog

    return AuditLog(client("dynamodb"), env.AUDIT_TABLE.value(), chain_key())


@cache
def anchor_store() -> AnchorStore:
    from ongpt.audit.store import AnchorStore

    return AnchorStore(client("s3"), env.AUDIT_ANCHOR_BUCKET.value())


# Services


@cache
def registrations() -> Registrations:
    from ongpt.registration.service import Registrations

    return _wired(Registrations, enqueue=_sender(env.REGISTRATION_QUEUE_URL))


@cache
def customers() -> Customers:
    from ongpt.customers.service import Customers

    return _wired(Customers)


@cache
def staff_access() -> StaffAccess:
    from ongpt.staff.service import StaffAccess

    return _wired(StaffAccess)


@cache
def edit_requests() -> EditRequests:
    from ongpt.edits.service import EditRequests

    return _wired(EditRequests)


@cache
def account_lifecycle() -> AccountLifecycle:
    from ongpt.lifecycle.service import AccountLifecycle

    return _wired(AccountLifecycle)


@cache
def recoveries() -> Recoveries:
    from ongpt.lifecycle.recovery import Recoveries

    return _wired(Recoveries, enqueue=_sender(env.RECOVERY_QUEUE_URL))


@cache
def recovery_codes() -> RecoveryCodes:
    from ongpt.lifecycle.recovery import RecoveryCodes

    return _wired(RecoveryCodes)


@cache
def consents() -> Consents:
    from ongpt.consents.service import Consents

    return _wired(Consents)


@cache
def contracts() -> Contracts:
    from ongpt.contracts.service import Contracts

    return _wired(Contracts, dead_letters=_sender(env.JOB_DLQ_URL))


@cache
def announcements() -> Announcements:
    from ongpt.announcements.service import Announcements
    from ongpt.platform.queues import batch_sender

    return _wired(
        Announcements, enqueue=batch_sender(client("sqs"), env.ANNOUNCEMENT_QUEUE_URL.value())
    )


@cache
def complaints() -> Complaints:
    from ongpt.complaints.service import Complaints

    return _wired(Complaints)


@cache
def disclosures() -> Disclosures:
    from ongpt.disclosures.service import Disclosures

    return _wired(Disclosures)


@cache
def analytics() -> Analytics:
    from ongpt.analytics.service import Analytics

    return _wired(Analytics)


@cache
def erasure() -> Erasure:
    from ongpt.erasure.service import Erasure

    return _wired(Erasure, due=lifecycle_store())


@cache
def audit_verifier() -> AnchoredVerifier:
    from ongpt.audit.anchors import AnchoredVerifier

    return _wired(AnchoredVerifier)


@cache
def audit_reader() -> AuditReader:
    from ongpt.audit.service import AuditReader

    return _wired(AuditReader)


@cache
def notice_delivery() -> NoticeDelivery:
    from ongpt.notify.dispatch import NoticeDelivery

    return _wired(NoticeDelivery)


@cache
def anchor_job() -> AnchorJob:
    from ongpt.audit.anchors import AnchorJob

    return _wired(AnchorJob)
