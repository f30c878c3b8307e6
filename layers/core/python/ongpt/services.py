"""The domain services, built from the function's settings on first use and reused warm."""

from __future__ import annotations

from functools import cache

from ongpt.accounts import Accounts
from ongpt.analytics import Analytics
from ongpt.announcements import Announcements, queue_sender
from ongpt.audit import AuditLog
from ongpt.aws import client
from ongpt.complaints import Complaints
from ongpt.consents import Consents
from ongpt.contract_store import ContractStore
from ongpt.contracts import Contracts, dead_letter_sender
from ongpt.crypto import BlindIndex, DataKeys
from ongpt.customers import Customers
from ongpt.disclosures import Disclosures
from ongpt.edit_store import EditStore
from ongpt.edits import EditRequests
from ongpt.markers import Markers
from ongpt.notify import Notifier
from ongpt.registration import Registrations
from ongpt.settings import settings
from ongpt.staff import StaffAccess
from ongpt.stores import CustomerStore, NoticeLog, RegistrationStore


@cache
def data_keys() -> DataKeys:
    return DataKeys(client("kms"), settings().data_key_id)


@cache
def customer_store() -> CustomerStore:
    return CustomerStore(client("dynamodb"), settings().customers_table)


@cache
def notifier() -> Notifier:
    config = settings()
    return Notifier(
        client("sesv2"), client("sns"), config.sender_email, config.ses_configuration_set, notices()
    )


@cache
def blind_index() -> BlindIndex:
    return BlindIndex(client("kms"), settings().blind_index_key_id)


@cache
def registrations() -> Registrations:
    config = settings()
    return Registrations(
        registrations=RegistrationStore(client("dynamodb"), config.registrations_table),
        customers=customer_store(),
        accounts=Accounts(client("cognito-idp"), config.user_pool_id),
        keys=data_keys(),
        index=blind_index(),
        notifier=notifier(),
    )


@cache
def customers() -> Customers:
    return Customers(customer_store(), data_keys())


@cache
def audit_log() -> AuditLog:
    return AuditLog(client("dynamodb"), settings().audit_table)


@cache
def staff_access() -> StaffAccess:
    return StaffAccess(
        customers=customers(),
        store=customer_store(),
        index=blind_index(),
        audit=audit_log(),
    )


@cache
def edit_requests() -> EditRequests:
    config = settings()
    return EditRequests(
        edits=EditStore(client("dynamodb"), config.customers_table),
        customers=customer_store(),
        keys=data_keys(),
        index=blind_index(),
        notifier=notifier(),
        audit=audit_log(),
        accounts=Accounts(client("cognito-idp"), config.user_pool_id),
        markers=markers(),
    )


@cache
def markers() -> Markers:
    return Markers(client("dynamodb"), settings().customers_table)


@cache
def consents() -> Consents:
    return Consents(customer_store(), audit_log())


@cache
def contracts() -> Contracts:
    config = settings()
    return Contracts(
        store=ContractStore(client("dynamodb"), config.customers_table),
        customers=customers(),
        notifier=notifier(),
        audit=audit_log(),
        dead_letters=dead_letter_sender(client("sqs"), config.job_dlq_url),
    )


@cache
def announcements() -> Announcements:
    config = settings()
    return Announcements(
        dynamodb=client("dynamodb"),
        table=config.customers_table,
        customers=customer_store(),
        consents=consents(),
        contacts=customers(),
        notifier=notifier(),
        audit=audit_log(),
        markers=markers(),
        enqueue=queue_sender(client("sqs"), config.announcement_queue_url),
    )


@cache
def complaints() -> Complaints:
    return Complaints(
        dynamodb=client("dynamodb"),
        table=settings().customers_table,
        customers=customers(),
        keys=data_keys(),
        notifier=notifier(),
        audit=audit_log(),
    )


@cache
def disclosures() -> Disclosures:
    return Disclosures(
        dynamodb=client("dynamodb"),
        table=settings().customers_table,
        customers=customer_store(),
        consents=consents(),
        audit=audit_log(),
    )


@cache
def analytics() -> Analytics:
    return Analytics(client("dynamodb"), settings().analytics_table)


@cache
def notices() -> NoticeLog:
    return NoticeLog(client("dynamodb"), settings().customers_table)
