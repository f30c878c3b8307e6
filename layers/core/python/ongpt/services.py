"""The domain services, built from the function's settings on first use and reused warm.

Each factory imports its domain module when first called, so that a function loads only what it
uses: importing every domain here made each handler's cold start pay for all of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from ongpt.platform import settings as env
from ongpt.platform.aws import client

if TYPE_CHECKING:
    from ongpt.analytics.service import Analytics
    from ongpt.announcements.service import Announcements
    from ongpt.audit.anchors import AnchoredVerifier, AnchorJob, Anchors
    from ongpt.audit.service import ChainKey
    from ongpt.audit.store import AuditLog
    from ongpt.complaints.service import Complaints
    from ongpt.consents.service import Consents
    from ongpt.contracts.service import Contracts
    from ongpt.customers.service import Customers
    from ongpt.customers.store import CustomerStore
    from ongpt.disclosures.service import Disclosures
    from ongpt.edits.service import EditRequests
    from ongpt.lifecycle.recovery import Recoveries, RecoveryCodes
    from ongpt.lifecycle.service import AccountLifecycle
    from ongpt.notify.delivery import Notifier
    from ongpt.notify.send_limits import SendLimits
    from ongpt.notify.store import NoticeLog
    from ongpt.registration.service import Registrations
    from ongpt.security.crypto import BlindIndex, DataKeys
    from ongpt.staff.service import StaffAccess
    from ongpt.storage.markers import Markers


@cache
def data_keys() -> DataKeys:
    from ongpt.security.crypto import DataKeys

    return DataKeys(client("kms"), env.DATA_KEY_ID.value())


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
        notices(),
        env.SMS_COUNTRY_CODES.value(),
    )


@cache
def send_limits() -> SendLimits:
    from ongpt.notify.send_limits import SendLimits

    return SendLimits(client("dynamodb"), env.SEND_LIMITS_TABLE.value())


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
        registrations=RegistrationStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value()),
        customers=customer_store(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        keys=data_keys(),
        index=blind_index(),
        notifier=notifier(),
        limits=send_limits(),
        enqueue=_sender(env.REGISTRATION_QUEUE_URL.value()),
    )


def _sender(queue_url: str) -> Callable[[dict[str, Any]], None]:
    """Sends one message, as JSON, to the queue."""
    sqs = client("sqs")

    def send(message: dict[str, Any]) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))

    return send


@cache
def customers() -> Customers:
    from ongpt.customers.service import Customers

    return Customers(customer_store(), data_keys())


@cache
def chain_key() -> ChainKey:
    from ongpt.audit.service import ChainKey

    return ChainKey(client("kms"), env.AUDIT_KEY_ID.value())


@cache
def audit_log() -> AuditLog:
    from ongpt.audit.store import AuditLog

    return AuditLog(client("dynamodb"), env.AUDIT_TABLE.value(), chain_key())


@cache
def anchors() -> Anchors:
    from ongpt.audit.anchors import Anchors

    return Anchors(client("s3"), env.AUDIT_ANCHOR_BUCKET.value())


@cache
def audit_verifier() -> AnchoredVerifier:
    from ongpt.audit.anchors import AnchoredVerifier

    return AnchoredVerifier(chain_key(), anchors())


@cache
def anchor_job() -> AnchorJob:
    from ongpt.audit.anchors import AnchorJob

    return AnchorJob(audit_log(), chain_key(), anchors())


@cache
def staff_access() -> StaffAccess:
    from ongpt.staff.service import StaffAccess

    return StaffAccess(
        customers=customers(),
        store=customer_store(),
        index=blind_index(),
        audit=audit_log(),
    )


@cache
def edit_requests() -> EditRequests:
    from ongpt.customers.accounts import Accounts
    from ongpt.edits.service import EditRequests
    from ongpt.edits.store import EditStore

    return EditRequests(
        edits=EditStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customers=customer_store(),
        keys=data_keys(),
        index=blind_index(),
        notifier=notifier(),
        audit=audit_log(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        markers=markers(),
        limits=send_limits(),
    )


@cache
def account_lifecycle() -> AccountLifecycle:
    from ongpt.customers.accounts import Accounts
    from ongpt.edits.store import EditStore
    from ongpt.lifecycle.service import AccountLifecycle
    from ongpt.lifecycle.store import LifecycleStore

    return AccountLifecycle(
        store=LifecycleStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customers=customers(),
        profiles=customer_store(),
        edits=EditStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        notifier=notifier(),
        markers=markers(),
        audit=audit_log(),
    )


@cache
def recoveries() -> Recoveries:
    from ongpt.customers.accounts import Accounts
    from ongpt.lifecycle.recovery import Recoveries
    from ongpt.lifecycle.store import RecoveryStore

    return Recoveries(
        recoveries=RecoveryStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value()),
        profiles=customer_store(),
        customers=customers(),
        keys=data_keys(),
        index=blind_index(),
        notifier=notifier(),
        limits=send_limits(),
        accounts=Accounts(client("cognito-idp"), env.USER_POOL_ID.value()),
        markers=markers(),
        enqueue=_sender(env.RECOVERY_QUEUE_URL.value()),
    )


@cache
def recovery_codes() -> RecoveryCodes:
    from ongpt.lifecycle.recovery import RecoveryCodes
    from ongpt.lifecycle.store import RecoveryStore

    return RecoveryCodes(
        recoveries=RecoveryStore(client("dynamodb"), env.REGISTRATIONS_TABLE.value()),
        profiles=customer_store(),
        customers=customers(),
        keys=data_keys(),
        notifier=notifier(),
        limits=send_limits(),
    )


@cache
def markers() -> Markers:
    from ongpt.storage.markers import Markers

    return Markers(client("dynamodb"), env.CUSTOMERS_TABLE.value())


@cache
def consents() -> Consents:
    from ongpt.consents.service import Consents

    return Consents(customer_store(), audit_log())


@cache
def contracts() -> Contracts:
    from ongpt.contracts.service import Contracts, dead_letter_sender
    from ongpt.contracts.store import ContractStore

    return Contracts(
        store=ContractStore(client("dynamodb"), env.CUSTOMERS_TABLE.value()),
        customers=customers(),
        notifier=notifier(),
        audit=audit_log(),
        dead_letters=dead_letter_sender(client("sqs"), env.JOB_DLQ_URL.value()),
    )


@cache
def announcements() -> Announcements:
    from ongpt.announcements.service import Announcements, queue_sender

    return Announcements(
        dynamodb=client("dynamodb"),
        table=env.CUSTOMERS_TABLE.value(),
        customers=customer_store(),
        consents=consents(),
        contacts=customers(),
        notifier=notifier(),
        audit=audit_log(),
        markers=markers(),
        enqueue=queue_sender(client("sqs"), env.ANNOUNCEMENT_QUEUE_URL.value()),
    )


@cache
def complaints() -> Complaints:
    from ongpt.complaints.service import Complaints

    return Complaints(
        dynamodb=client("dynamodb"),
        table=env.CUSTOMERS_TABLE.value(),
        customers=customers(),
        keys=data_keys(),
        notifier=notifier(),
        audit=audit_log(),
        markers=markers(),
    )


@cache
def disclosures() -> Disclosures:
    from ongpt.disclosures.service import Disclosures

    return Disclosures(
        dynamodb=client("dynamodb"),
        table=env.CUSTOMERS_TABLE.value(),
        customers=customer_store(),
        consents=consents(),
        audit=audit_log(),
    )


@cache
def analytics() -> Analytics:
    from ongpt.analytics.service import Analytics

    return Analytics(client("dynamodb"), env.ANALYTICS_TABLE.value())


@cache
def notices() -> NoticeLog:
    from ongpt.notify.store import NoticeLog

    return NoticeLog(client("dynamodb"), env.CUSTOMERS_TABLE.value())
