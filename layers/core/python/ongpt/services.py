"""The composition root: every key, client, store and service a function uses, built from the
function's settings on first use and reused warm.

One cached factory per dependency, named as every constructor parameter that takes it (one name
per concept: a ``CustomerStore`` is ``customer_store`` everywhere). Each imports its class when
first called, so that a function loads only what it uses (importing every area here made each
handler's cold start pay for all of them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

from ongpt.platform import settings as env
from ongpt.platform.aws import client

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
    from ongpt.platform.queues import Message
    from ongpt.registration.service import Registrations
    from ongpt.registration.store import RegistrationStore
    from ongpt.security.crypto import BlindIndex, DataKeys
    from ongpt.staff.service import StaffAccess
    from ongpt.storage.key_store import KeyStore
    from ongpt.storage.markers import Markers
    from ongpt.storage.outbox import Outbox


def _sender(queue_url: env.Variable[str]) -> Callable[[Message], None]:
    """What sends one message to the queue at ``queue_url``. The queue module is imported here:
    it brings pydantic, which the scheduled jobs never need."""
    from ongpt.platform.queues import sender

    return sender(client("sqs"), queue_url.value())


def _batch_sender(queue_url: env.Variable[str]) -> Callable[[Sequence[Message]], None]:
    """What sends messages to the queue at ``queue_url``, ten to a call."""
    from ongpt.platform.queues import batch_sender

    return batch_sender(client("sqs"), queue_url.value())


def account_status(customer_id: str) -> str | None:
    """The status of a customer's account, by which the API admits customers (``create_app``)."""
    return customer_store().status(customer_id)


# Keys and gateways


@cache
def data_keys() -> DataKeys:
    from ongpt.security.crypto import DataKeys

    return DataKeys(client("kms"), env.DATA_KEY_ID.value())


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


@cache
def anchor_store() -> AnchorStore:
    from ongpt.audit.store import AnchorStore

    return AnchorStore(client("s3"), env.AUDIT_ANCHOR_BUCKET.value())


@cache
def cursors() -> Cursors:
    from ongpt.platform.pages import Cursors

    return Cursors(client("kms"), env.PAGE_KEY_ID.value())


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


@cache
def customer_store() -> CustomerStore:
    from ongpt.customers.store import CustomerStore

    return CustomerStore(client("dynamodb"), env.CUSTOMERS_TABLE.value(), env.GUARDS_TABLE.value())


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
def send_counters() -> SendCounters:
    from ongpt.notify.store import SendCounters

    return SendCounters(client("dynamodb"), env.SEND_LIMITS_TABLE.value())


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

    return ErasureStore(
        client("dynamodb"),
        env.CUSTOMERS_TABLE.value(),
        env.ERASURES_TABLE.value(),
        customer_store(),
    )


@cache
def key_store() -> KeyStore:
    from ongpt.storage.key_store import KeyStore

    return KeyStore(client("dynamodb"), env.DATA_KEYS_TABLE.value(), data_keys())


@cache
def outbox() -> Outbox:
    from ongpt.storage.outbox import Outbox

    return Outbox(client("dynamodb"), env.OUTBOX_TABLE.value(), key_store())


@cache
def audit_log() -> AuditLog:
    from ongpt.audit.store import AuditLog

    return AuditLog(client("dynamodb"), env.AUDIT_TABLE.value(), chain_key())


@cache
def job_runs() -> JobRunStore:
    from ongpt.jobs.store import JobRunStore

    return JobRunStore(client("dynamodb"), env.JOBS_TABLE.value(), env.SERVICE_NAME.value())


# Services


@cache
def job_passes() -> JobPasses:
    from ongpt.jobs.service import JobPasses

    return JobPasses(job_runs=job_runs())


@cache
def registrations() -> Registrations:
    from ongpt.registration.service import Registrations

    return Registrations(
        registration_store=registration_store(),
        customer_store=customer_store(),
        accounts=accounts(),
        data_keys=data_keys(),
        key_store=key_store(),
        blind_index=blind_index(),
        notifier=notifier(),
        send_limits=send_limits(),
        audit_log=audit_log(),
        enqueue=_sender(env.REGISTRATION_QUEUE_URL),
    )


@cache
def customers() -> Customers:
    from ongpt.customers.service import Customers

    return Customers(customer_store=customer_store(), key_store=key_store())


@cache
def staff_access() -> StaffAccess:
    from ongpt.staff.service import StaffAccess

    return StaffAccess(
        customers=customers(),
        customer_store=customer_store(),
        blind_index=blind_index(),
        audit_log=audit_log(),
    )


@cache
def edit_requests() -> EditRequests:
    from ongpt.edits.service import EditRequests

    return EditRequests(
        edit_store=edit_store(),
        customer_store=customer_store(),
        key_store=key_store(),
        blind_index=blind_index(),
        notifier=notifier(),
        outbox=outbox(),
        audit_log=audit_log(),
        accounts=accounts(),
        send_limits=send_limits(),
    )


@cache
def account_lifecycle() -> AccountLifecycle:
    from ongpt.lifecycle.service import AccountLifecycle

    return AccountLifecycle(
        lifecycle_store=lifecycle_store(),
        customers=customers(),
        customer_store=customer_store(),
        consent_store=consent_store(),
        edit_store=edit_store(),
        accounts=accounts(),
        outbox=outbox(),
        audit_log=audit_log(),
    )


@cache
def recoveries() -> Recoveries:
    from ongpt.lifecycle.recovery import Recoveries

    return Recoveries(
        recovery_store=recovery_store(),
        customer_store=customer_store(),
        customers=customers(),
        data_keys=data_keys(),
        blind_index=blind_index(),
        send_limits=send_limits(),
        accounts=accounts(),
        outbox=outbox(),
        audit_log=audit_log(),
        enqueue=_sender(env.RECOVERY_QUEUE_URL),
    )


@cache
def recovery_codes() -> RecoveryCodes:
    from ongpt.lifecycle.recovery import RecoveryCodes

    return RecoveryCodes(
        recovery_store=recovery_store(),
        customer_store=customer_store(),
        customers=customers(),
        data_keys=data_keys(),
        notifier=notifier(),
        send_limits=send_limits(),
    )


@cache
def consents() -> Consents:
    from ongpt.consents.service import Consents

    return Consents(
        consent_store=consent_store(),
        customer_store=customer_store(),
        audit_log=audit_log(),
    )


@cache
def contracts() -> Contracts:
    from ongpt.contracts.service import Contracts

    return Contracts(
        contract_store=contract_store(),
        customers=customers(),
        outbox=outbox(),
        audit_log=audit_log(),
    )


@cache
def reminders() -> Reminders:
    from ongpt.contracts.service import Reminders

    return Reminders(
        contract_store=contract_store(),
        customers=customers(),
        outbox=outbox(),
        dead_letters=_sender(env.JOB_DLQ_URL),
        job_passes=job_passes(),
    )


@cache
def announcements() -> Announcements:
    from ongpt.announcements.service import Announcements

    return Announcements(
        announcement_store=announcement_store(),
        customer_store=customer_store(),
        consent_store=consent_store(),
        outbox=outbox(),
        audit_log=audit_log(),
        enqueue=_batch_sender(env.ANNOUNCEMENT_QUEUE_URL),
    )


@cache
def complaints() -> Complaints:
    from ongpt.complaints.service import Complaints

    return Complaints(
        complaint_store=complaint_store(),
        customers=customers(),
        key_store=key_store(),
        outbox=outbox(),
        audit_log=audit_log(),
        send_limits=send_limits(),
    )


@cache
def disclosures() -> Disclosures:
    from ongpt.disclosures.service import Disclosures

    return Disclosures(
        disclosure_store=disclosure_store(),
        customer_store=customer_store(),
        consent_store=consent_store(),
        audit_log=audit_log(),
    )


@cache
def analytics() -> Analytics:
    from ongpt.analytics.service import Analytics

    return Analytics(analytics_store=analytics_store())


@cache
def send_limits() -> SendLimits:
    from ongpt.notify.send_limits import SendLimits

    return SendLimits(send_counters=send_counters())


@cache
def erasure() -> Erasure:
    from ongpt.erasure.service import Erasure

    return Erasure(
        due=lifecycle_store(),
        erasure_store=erasure_store(),
        key_store=key_store(),
        accounts=accounts(),
        audit_log=audit_log(),
        job_passes=job_passes(),
    )


@cache
def audit_verifier() -> AnchoredVerifier:
    from ongpt.audit.anchors import AnchoredVerifier

    return AnchoredVerifier(
        chain_key=chain_key(),
        anchor_store=anchor_store(),
        audit_log=audit_log(),
    )


@cache
def audit_reader() -> AuditReader:
    from ongpt.audit.service import AuditReader

    return AuditReader(audit_log=audit_log(), audit_verifier=audit_verifier())


@cache
def exports() -> Exports:
    from ongpt.export.service import Exports

    return Exports(
        customers=customers(),
        consents=consents(),
        edit_requests=edit_requests(),
        contracts=contracts(),
        notice_store=notice_store(),
        complaints=complaints(),
        disclosures=disclosures(),
        audit_log=audit_log(),
    )


@cache
def announcement_notices() -> AnnouncementNotices:
    from ongpt.announcements.service import AnnouncementNotices

    return AnnouncementNotices(
        announcement_store=announcement_store(),
        customers=customers(),
        consent_store=consent_store(),
    )


@cache
def notice_delivery() -> NoticeDelivery:
    from ongpt.notify.dispatch import NoticeDelivery

    return NoticeDelivery(
        outbox=outbox(),
        notifier=notifier(),
        notice_store=notice_store(),
        announcement_notices=announcement_notices(),
    )


@cache
def anchor_job() -> AnchorJob:
    from ongpt.audit.anchors import AnchorJob

    return AnchorJob(
        audit_log=audit_log(),
        chain_key=chain_key(),
        anchor_store=anchor_store(),
        job_passes=job_passes(),
    )
