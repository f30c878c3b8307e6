"""The domain services, built from the function's settings on first use and reused warm.

Each factory imports its domain module when first called, so that a function loads only what it
uses: importing every domain here made each handler's cold start pay for all of them."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ongpt.platform import settings as env
from ongpt.platform.aws import client
from ongpt.platform.queues import batch_sender, sender

if TYPE_CHECKING:
    from ongpt.analytics.service import Analytics
    from ongpt.announcements.service import Announcements
    from ongpt.audit.anchors import AnchoredVerifier, AnchorJob
    from ongpt.audit.chain_key import ChainKey
    from ongpt.audit.store import AnchorStore, AuditLog
    from ongpt.complaints.service import Complaints
    from ongpt.consents.service import Consents
    from ongpt.contracts.service import Contracts
    from ongpt.customers.service import Customers
    from ongpt.customers.store import CustomerStore
    from ongpt.disclosures.service import Disclosures
    from ongpt.edits.service import EditRequests
    from ongpt.erasure.service import Erasure
    from ongpt.lifecycle.recovery import Recoveries, RecoveryCodes
    from ongpt.lifecycle.service import AccountLifecycle
    from ongpt.lifecycle.store import LifecycleStore
    from ongpt.notify.delivery import Notifier
    from ongpt.notify.dispatch import NoticeDelivery
    from ongpt.notify.send_limits import SendLimits
    from ongpt.notify.store import NoticeStore
    from ongpt.registration.service import Registrations
    from ongpt.security.crypto import BlindIndex, DataKeys
    from ongpt.staff.service import StaffAccess
    from ongpt.storage.key_store import KeyStore
    from ongpt.storage.markers import Markers
    from ongpt.storage.outbox import Outbox


@cache
def data_keys() -> DataKeys:
    from ongpt.security.crypto import DataKeys

    return DataKeys(client("kms"), env.DATA_KEY_ID.value())


@cache
def key_store() -> KeyStore:
    from ongpt.storage.key_store import KeyStore

    return KeyStore(client("dynamodb"), env.DATA_KEYS_TABLE.value(), data_keys())


@cache
def customer_store() -> CustomerStore:
    from ongpt.customers.store import CustomerStore

    return CustomerStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


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
def outbox() -> Outbox:
    from ongpt.storage.outbox import Outbox

    return Outbox(client("dynamodb"), env.OUTBOX_TABLE.value(), key_store(), data_keys())


@cache
def notice_delivery() -> NoticeDelivery:
    from ongpt.notify.dispatch import NoticeDelivery

    return NoticeDelivery(outbox=outbox(), notifier=notifier(), notice_store=notice_store())


@cache
def send_limits() -> SendLimits:
    from ongpt.notify.send_limits import SendLimits
    from ongpt.notify.store import SendCounters

    return SendLimits(SendCounters(client("dynamodb"), env.SEND_LIMITS_TABLE.value()))


@cache
def blind_index() -> BlindIndex:
    from ongpt.security.crypto import BlindIndex

    return BlindIndex(client("kms"), env.BLIND_INDEX_KEY_ID.value())


@cache
def registrations() -> Registrations:
    from ongpt.customers.accounts import Accounts
    from ongpt.registration.service import Registrations
    from ongpt.registration.store import RegistrationStore

    return Registrations(
        registration_store=RegistrationStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value()),
        customer_store=customer_store(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        data_keys=data_keys(),
        key_store=key_store(),
        blind_index=blind_index(),
        notifier=notifier(),
        send_limits=send_limits(),
        enqueue=sender(client("sqs"), env.REGISTRATION_QUEUE_URL.value()),
    )


@cache
def customers() -> Customers:
    from ongpt.customers.service import Customers

    return Customers(customer_store=customer_store(), key_store=key_store())


@cache
def chain_key() -> ChainKey:
    from ongpt.audit.chain_key import ChainKey

    return ChainKey(client("kms"), env.AUDIT_KEY_ID.value())


@cache
def audit_log() -> AuditLog:
    from ongpt.audit.store import AuditLog

    return AuditLog(client("dynamodb"), env.AUDIT_TABLE.value(), chain_key())


@cache
def anchor_store() -> AnchorStore:
    from ongpt.audit.store import AnchorStore

    return AnchorStore(client("s3"), env.AUDIT_ANCHOR_BUCKET.value())


@cache
def audit_verifier() -> AnchoredVerifier:
    from ongpt.audit.anchors import AnchoredVerifier

    return AnchoredVerifier(chain_key(), anchor_store())


@cache
def anchor_job() -> AnchorJob:
    from ongpt.audit.anchors import AnchorJob

    return AnchorJob(audit_log(), chain_key(), anchor_store())


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
    from ongpt.customers.accounts import Accounts
    from ongpt.edits.service import EditRequests
    from ongpt.edits.store import EditStore

    return EditRequests(
        edit_store=EditStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customer_store=customer_store(),
        key_store=key_store(),
        blind_index=blind_index(),
        notifier=notifier(),
        audit_log=audit_log(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        markers=markers(),
        send_limits=send_limits(),
    )


@cache
def account_lifecycle() -> AccountLifecycle:
    from ongpt.consents.store import ConsentStore
    from ongpt.customers.accounts import Accounts
    from ongpt.edits.store import EditStore
    from ongpt.lifecycle.service import AccountLifecycle

    return AccountLifecycle(
        lifecycle_store=lifecycle_store(),
        customers=customers(),
        customer_store=customer_store(),
        consent_store=ConsentStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        edit_store=EditStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        notifier=notifier(),
        markers=markers(),
        audit_log=audit_log(),
    )


@cache
def recoveries() -> Recoveries:
    from ongpt.customers.accounts import Accounts
    from ongpt.lifecycle.recovery import Recoveries
    from ongpt.lifecycle.store import RecoveryStore

    return Recoveries(
        recovery_store=RecoveryStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value()),
        customer_store=customer_store(),
        customers=customers(),
        key_store=key_store(),
        blind_index=blind_index(),
        notifier=notifier(),
        send_limits=send_limits(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        markers=markers(),
        enqueue=sender(client("sqs"), env.RECOVERY_QUEUE_URL.value()),
    )


@cache
def recovery_codes() -> RecoveryCodes:
    from ongpt.lifecycle.recovery import RecoveryCodes
    from ongpt.lifecycle.store import RecoveryStore

    return RecoveryCodes(
        recovery_store=RecoveryStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value()),
        customer_store=customer_store(),
        customers=customers(),
        key_store=key_store(),
        notifier=notifier(),
        send_limits=send_limits(),
    )


@cache
def markers() -> Markers:
    from ongpt.storage.markers import Markers

    return Markers(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def consents() -> Consents:
    from ongpt.consents.service import Consents
    from ongpt.consents.store import ConsentStore

    return Consents(
        consent_store=ConsentStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customer_store=customer_store(),
        audit_log=audit_log(),
    )


@cache
def contracts() -> Contracts:
    from ongpt.contracts.service import Contracts
    from ongpt.contracts.store import ContractStore

    return Contracts(
        contract_store=ContractStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customers=customers(),
        outbox=outbox(),
        audit_log=audit_log(),
        dead_letters=sender(client("sqs"), env.JOB_DLQ_URL.value()),
    )


@cache
def announcements() -> Announcements:
    from ongpt.announcements.service import Announcements
    from ongpt.announcements.store import AnnouncementStore

    return Announcements(
        announcement_store=AnnouncementStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customer_store=customer_store(),
        consents=consents(),
        customers=customers(),
        notifier=notifier(),
        audit_log=audit_log(),
        markers=markers(),
        enqueue=batch_sender(client("sqs"), env.ANNOUNCEMENT_QUEUE_URL.value()),
    )


@cache
def complaints() -> Complaints:
    from ongpt.complaints.service import Complaints
    from ongpt.complaints.store import ComplaintStore

    return Complaints(
        complaint_store=ComplaintStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customers=customers(),
        data_keys=data_keys(),
        notifier=notifier(),
        audit_log=audit_log(),
        markers=markers(),
    )


@cache
def disclosures() -> Disclosures:
    from ongpt.disclosures.service import Disclosures
    from ongpt.disclosures.store import DisclosureStore

    return Disclosures(
        disclosure_store=DisclosureStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customer_store=customer_store(),
        consents=consents(),
        audit_log=audit_log(),
    )


@cache
def analytics() -> Analytics:
    from ongpt.analytics.service import Analytics
    from ongpt.analytics.store import AnalyticsStore

    return Analytics(AnalyticsStore(client("dynamodb"), env.ANALYTICS_TABLE.value()))


@cache
def notice_store() -> NoticeStore:
    from ongpt.notify.store import NoticeStore

    return NoticeStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def erasure() -> Erasure:
    from ongpt.customers.accounts import Accounts
    from ongpt.erasure.service import Erasure
    from ongpt.erasure.store import ErasureStore

    erasure_store = ErasureStore(
        client("dynamodb"), env.CUSTOMERS_TABLE.value(), env.ERASURES_TABLE.value()
    )
    return Erasure(
        due=lifecycle_store(),
        erasure_store=erasure_store,
        key_store=key_store(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        audit_log=audit_log(),
    )


@cache
def lifecycle_store() -> LifecycleStore:
    from ongpt.lifecycle.store import LifecycleStore

    return LifecycleStore(client("dynamodb"), env.CUSTOMERS_TABLE.value())
