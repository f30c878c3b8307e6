"""The domain services, built from the function's settings on first use and reused warm."""

from __future__ import annotations

from functools import cache

from ongpt.accounts import Accounts
from ongpt.audit import AuditLog
from ongpt.aws import client
from ongpt.crypto import BlindIndex, DataKeys
from ongpt.customers import Customers
from ongpt.notify import Notifier
from ongpt.registration import Registrations
from ongpt.settings import settings
from ongpt.staff import StaffAccess
from ongpt.stores import CustomerStore, RegistrationStore


@cache
def data_keys() -> DataKeys:
    return DataKeys(client("kms"), settings().data_key_id)


@cache
def customer_store() -> CustomerStore:
    return CustomerStore(client("dynamodb"), settings().customers_table)


@cache
def registrations() -> Registrations:
    config = settings()
    return Registrations(
        registrations=RegistrationStore(client("dynamodb"), config.registrations_table),
        customers=customer_store(),
        accounts=Accounts(client("cognito-idp"), config.user_pool_id),
        keys=data_keys(),
        index=BlindIndex(client("kms"), config.blind_index_key_id),
        notifier=Notifier(
            client("sesv2"), client("sns"), config.sender_email, config.ses_configuration_set
        ),
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
        index=BlindIndex(client("kms"), settings().blind_index_key_id),
        audit=audit_log(),
    )
