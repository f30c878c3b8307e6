"""Consents (P3.3, P3.7, GDPR 7) over in-memory stores: one call grants or withdraws, the
history keeps every change, each change is audited, and only known purposes are accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ongpt.consents.service import Consents
from ongpt.platform.errors import NotFound, ValidationFailed
from tests.support.fakes import (
    FakeAuditLog,
    FakeConsentStore,
    FakeCustomerStore,
    FakeKeyStore,
    a_customer,
)


def _consents() -> tuple[Consents, FakeAuditLog]:
    customer_store, audit_log = FakeCustomerStore(), FakeAuditLog()
    a_customer(customer_store, FakeKeyStore(), "c-1")
    times = iter(datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n) for n in range(10))
    consents = Consents(
        consent_store=FakeConsentStore(),
        customer_store=customer_store,
        audit_log=audit_log,
        clock=lambda: next(times),
    )
    return consents, audit_log


@pytest.mark.clause("P3.3", "P3.7")
def test_withdrawing_is_one_call_and_the_history_keeps_both_changes() -> None:
    consents, audit_log = _consents()
    consents.set("c-1", "third_party_sharing:acme-bank", True)
    consents.set("c-1", "third_party_sharing:acme-bank", False)
    assert not consents.consent_store.granted("c-1", "third_party_sharing:acme-bank")
    assert [h["granted"] for h in consents.history("c-1")] == [True, False]
    assert audit_log.actions() == ["consent.grant", "consent.withdraw"]


@pytest.mark.clause("P3.7")
@pytest.mark.parametrize(
    "purpose", ["privacy_policy", "third_party_sharing:", "third_party_sharing:A", "ads"]
)
def test_only_changeable_purposes_are_accepted(purpose: str) -> None:
    consents, audit_log = _consents()
    with pytest.raises(ValidationFailed):
        consents.set("c-1", purpose, True)
    assert consents.current("c-1") == []
    assert audit_log.appended == []


@pytest.mark.clause("P3.3")
def test_no_consent_for_a_customer_that_does_not_exist() -> None:
    consents, _ = _consents()
    with pytest.raises(NotFound):
        consents.set("c-2", "marketing", True)
    assert consents.history("c-2") == []
