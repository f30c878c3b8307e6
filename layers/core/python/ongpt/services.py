"""The domain services, built from the function's settings on first use and reused warm.

Each factory imports its domain module when first called, so that a function loads only what it
uses: importing every domain here made each handler's cold start pay for all of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from ongpt.aws import client
from ongpt.settings import settings

if TYPE_CHECKING:
    from ongpt.analytics import Analytics
    from ongpt.anchors import AnchoredVerifier, AnchorJob, Anchors
    from ongpt.announcements import Announcements
    from ongpt.audit import AuditLog, ChainKey
    from ongpt.complaints import Complaints
    from ongpt.consents import Consents
    from ongpt.contracts import Contracts
    from ongpt.crypto import BlindIndex, DataKeys
    from ongpt.customers import Customers
    from ongpt.disclosures import Disclosures
    from ongpt.edits import EditRequests
    from ongpt.markers import Markers
    from ongpt.notify import Notifier
    from ongpt.registration import Registrations
    from ongpt.send_limits import SendLimits
    from ongpt.staff import StaffAccess
    from ongpt.stores import CustomerStore, NoticeLog


@cache
def data_keys() -> DataKeys:
    from ongpt.crypto import DataKeys

    return DataKeys(client("kms"), settings().data_key_id)


@cache
def customer_store() -> CustomerStore:
    from ongpt.stores import CustomerStore

    return CustomerStore(client("dynamodb"), settings().customers_table)


@cache
def notifier() -> Notifier:
    from ongpt.notify import Notifier

    config = settings()
    return Notifier(
        client("sesv2"),
        client("sns"),
        config.sender_email,
        config.ses_configuration_set,
        notices(),
        config.sms_country_codes,
    )


@cache
def send_limits() -> SendLimits:
    from ongpt.send_limits import SendLimits

    return SendLimits(client("dynamodb"), settings().send_limits_table)


@cache
def blind_index() -> BlindIndex:
    from ongpt.crypto import BlindIndex

    return BlindIndex(client("kms"), settings().blind_index_key_id)


@cache
def registrations() -> Registrations:
    from ongpt.accounts import Accounts
    from ongpt.registration import Registrations
    from ongpt.stores import RegistrationStore

    config = settings()
    return Registrations(
        registrations=RegistrationStore(client("dynamodb"), config.registrations_table),
        customers=customer_store(),
        accounts=Accounts(client("cognito-idp"), config.user_pool_id),
        keys=data_keys(),
        index=blind_index(),
        notifier=notifier(),
        limits=send_limits(),
        enqueue=_sender(config.registration_queue_url),
    )


def _sender(queue_url: str) -> Callable[[dict[str, Any]], None]:
    """Sends one message, as JSON, to the queue."""
    sqs = client("sqs")

    def send(message: dict[str, Any]) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))

    return send


@cache
def customers() -> Customers:
    from ongpt.customers import Customers

    return Customers(customer_store(), data_keys())


@cache
def chain_key() -> ChainKey:
    from ongpt.audit import ChainKey

    return ChainKey(client("kms"), settings().audit_key_id)


@cache
def audit_log() -> AuditLog:
    from ongpt.audit import AuditLog

    return AuditLog(client("dynamodb"), settings().audit_table, chain_key())


@cache
def anchors() -> Anchors:
    from ongpt.anchors import Anchors

    return Anchors(client("s3"), settings().audit_anchor_bucket)


@cache
def audit_verifier() -> AnchoredVerifier:
    from ongpt.anchors import AnchoredVerifier

    return AnchoredVerifier(chain_key(), anchors())


@cache
def anchor_job() -> AnchorJob:
    from ongpt.anchors import AnchorJob

    return AnchorJob(audit_log(), chain_key(), anchors())


@cache
def staff_access() -> StaffAccess:
    from ongpt.staff import StaffAccess

    return StaffAccess(
        customers=customers(),
        store=customer_store(),
        index=blind_index(),
        audit=audit_log(),
    )


@cache
def edit_requests() -> EditRequests:
    from ongpt.accounts import Accounts
    from ongpt.edit_store import EditStore
    from ongpt.edits import EditRequests

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
        limits=send_limits(),
    )


@cache
def markers() -> Markers:
    from ongpt.markers import Markers

    return Markers(client("dynamodb"), settings().customers_table)


@cache
def consents() -> Consents:
    from ongpt.consents import Consents

    return Consents(customer_store(), audit_log())


@cache
def contracts() -> Contracts:
    from ongpt.contract_store import ContractStore
    from ongpt.contracts import Contracts, dead_letter_sender

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
    from ongpt.announcements import Announcements, queue_sender

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
    from ongpt.complaints import Complaints

    return Complaints(
        dynamodb=client("dynamodb"),
        table=settings().customers_table,
        customers=customers(),
        keys=data_keys(),
        notifier=notifier(),
        audit=audit_log(),
        markers=markers(),
    )


@cache
def disclosures() -> Disclosures:
    from ongpt.disclosures import Disclosures

    return Disclosures(
        dynamodb=client("dynamodb"),
        table=settings().customers_table,
        customers=customer_store(),
        consents=consents(),
        audit=audit_log(),
    )


@cache
def analytics() -> Analytics:
    from ongpt.analytics import Analytics

    return Analytics(client("dynamodb"), settings().analytics_table)


@cache
def notices() -> NoticeLog:
    from ongpt.stores import NoticeLog

    return NoticeLog(client("dynamodb"), settings().customers_table)
