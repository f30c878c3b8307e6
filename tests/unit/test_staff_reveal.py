"""Staff reads (P5) over in-memory stores: masked by default, clear values only for the roles and
purposes allowed, and the access audited before anything is returned."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from ongpt.customers.service import Customers
from ongpt.platform.caller import Caller, Forbidden
from ongpt.platform.errors import Erased
from ongpt.security import masking
from ongpt.security.crypto import BlindIndex
from ongpt.staff.models import Purpose
from ongpt.staff.service import StaffAccess, may_reveal
from ongpt.storage.key_store import owner_key
from tests.support.fakes import FakeAuditLog, FakeCustomerStore, FakeKeyStore, a_customer

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient


def _staff_access() -> tuple[StaffAccess, FakeAuditLog]:
    key_store, customer_store, audit_log = FakeKeyStore(), FakeCustomerStore(), FakeAuditLog()
    a_customer(customer_store, key_store, "c-1")
    staff_access = StaffAccess(
        customers=Customers(customer_store=customer_store, key_store=key_store),
        customer_store=customer_store,
        blind_index=BlindIndex(cast("KMSClient", None), "unused"),  # no search here
        audit_log=audit_log,
    )
    return staff_access, audit_log


@pytest.mark.clause("P5")
@pytest.mark.parametrize(
    ("role", "purpose", "allowed"),
    [
        ("support", Purpose.CUSTOMER_SUPPORT, True),
        ("admin", Purpose.COMPLAINT_RESOLUTION, True),
        ("compliance", Purpose.LEGAL_REQUEST, True),
        ("compliance", Purpose.CUSTOMER_SUPPORT, False),
        ("compliance", Purpose.CONTRACT_DELIVERY, False),
        (None, Purpose.LEGAL_REQUEST, False),
    ],
)
def test_who_may_reveal_for_what(role: str | None, purpose: Purpose, allowed: bool) -> None:
    assert may_reveal(role, purpose) is allowed


@pytest.mark.clause("P5")
def test_a_read_is_masked_by_default_and_audited() -> None:
    staff_access, audit_log = _staff_access()
    staff = Caller(kind="staff", id="carol", role="compliance")
    read = staff_access.read(staff, "c-1", purpose=Purpose.CUSTOMER_SUPPORT, reveal=False)
    assert (read["full_name"], read["email"], read["phone"], read["masked"]) == (
        "N*** V** A*",
        "a***@example.com",
        "+84******569",
        True,
    )
    assert [(e.action, e.purpose) for e in audit_log.appended] == [
        ("customer.read", "customer_support")
    ]


@pytest.mark.clause("P5")
def test_a_refused_reveal_reads_and_records_nothing() -> None:
    staff_access, audit_log = _staff_access()
    staff = Caller(kind="staff", id="carol", role="compliance")
    with pytest.raises(Forbidden):
        staff_access.read(staff, "c-1", purpose=Purpose.CUSTOMER_SUPPORT, reveal=True)
    assert audit_log.appended == []
    revealed = staff_access.read(staff, "c-1", purpose=Purpose.LEGAL_REQUEST, reveal=True)
    assert (revealed["email"], revealed["masked"]) == ("an.nguyen@example.com", False)
    assert audit_log.actions() == ["customer.reveal"]


@pytest.mark.clause("P2.4", "P5")
@pytest.mark.parametrize("seen_as", ["ERASED", "ERASING", "CLOSING"])
def test_a_read_just_after_an_erasure_answers_erased_and_records_nothing(seen_as: str) -> None:
    """The erasure destroyed the customer's key with the profile's values; an eventually
    consistent read a moment after may still find the profile as it was (``seen_as``)."""
    staff_access, audit_log = _staff_access()
    customer_store = cast("FakeCustomerStore", staff_access.customer_store)
    key_store = cast("FakeKeyStore", staff_access.customers.key_store)
    customer_store.profiles["c-1"]["status"] = seen_as
    del key_store.keys[owner_key({"customer_id": "c-1"})]
    staff = Caller(kind="staff", id="carol", role="support")
    with pytest.raises(Erased):
        staff_access.read(staff, "c-1", purpose=Purpose.CUSTOMER_SUPPORT, reveal=False)
    assert audit_log.appended == []


@pytest.mark.clause("P5")
@pytest.mark.parametrize(
    ("mask", "value", "masked"),
    [
        (masking.name, "Nguyễn Văn An", "N*** V** A*"),
        (masking.name, "Lê A", "L* A"),
        (masking.email, "an.nguyen@example.com", "a***@example.com"),
        (masking.phone, "+84967915569", "+84******569"),
        (masking.phone, "+14155552671", "+1*******671"),
    ],
)
def test_masks_keep_enough_to_recognise_not_to_contact(
    mask: object, value: str, masked: str
) -> None:
    assert callable(mask)
    assert mask(value) == masked
