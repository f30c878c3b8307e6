"""The message texts are data (``ongpt/notify/templates.toml``): every kind in both languages,
with the placeholders its sender fills, and shipped in the layer."""

from __future__ import annotations

import shutil
from pathlib import Path
from string import Formatter

import pytest

from infra import layer_build
from ongpt.notify.delivery import TEMPLATES_FILE, Kind, filled, said_on, template

PARTS = ("subject", "email", "sms")
# What each sender passes besides the address and language (the services of ongpt/): a template
# may use these and no other, or the send fails with a KeyError after its marker was claimed.
SENDERS_PASS: dict[Kind, set[str]] = {
    Kind.REGISTRATION_CODE: {"code"},  # registration
    Kind.ACCOUNT_EXISTS: set(),  # registration, to a taken address
    Kind.CHANGE_CODE: {"code"},  # edits
    Kind.PROFILE_CHANGED: set(),  # edits
    Kind.CONTRACT_CONFIRMATION: {"plan", "expires_on"},  # contracts
    Kind.RENEWAL_INVITATION: {"plan", "expires_on", "days"},  # contracts, the expiry job
    Kind.COMPLAINT_RECEIVED: {"reference", "filed_on"},  # complaints
    Kind.COMPLAINT_OUTCOME: {"reference", "filed_on", "outcome", "resolution"},  # complaints
    Kind.PRODUCT_UPDATE: {"title", "body"},  # announcements
    Kind.SERVICE_CHANGE: {"title", "body"},  # announcements
    Kind.RECOVERY_CODE: {"code"},  # lifecycle.recovery
    Kind.ACCOUNT_RECOVERED: set(),  # lifecycle.recovery
    Kind.ACCOUNT_CLOSING: {"erase_on"},  # lifecycle
    Kind.ACCOUNT_REACTIVATED: set(),  # lifecycle
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def test_every_kind_has_a_subject_email_and_sms_in_vietnamese_and_english() -> None:
    assert set(SENDERS_PASS) == set(Kind)
    for kind in Kind:
        for language in ("vi", "en"):
            chosen = template(kind, language)
            assert all(getattr(chosen, part).strip() for part in PARTS), (kind, language)
        assert template(kind, "en") != template(kind, "vi") or kind in (
            Kind.PRODUCT_UPDATE,
            Kind.SERVICE_CHANGE,  # the announcement's own title and body, in either language
        )


def test_a_language_without_texts_falls_back_to_vietnamese() -> None:
    assert template(Kind.REGISTRATION_CODE, "fr") == template(Kind.REGISTRATION_CODE, None)
    assert template(Kind.REGISTRATION_CODE, None) == template(Kind.REGISTRATION_CODE, "vi")


@pytest.mark.parametrize("kind", list(Kind))
def test_templates_use_only_what_the_sender_passes_and_the_email_says_all_of_it(
    kind: Kind,
) -> None:
    passed = SENDERS_PASS[kind]
    for language in ("vi", "en"):
        chosen = template(kind, language)
        for part in PARTS:
            text = getattr(chosen, part)
            assert placeholders(text) <= passed, (kind, language, part)
            filled = text.format(**dict.fromkeys(passed, "x"))
            assert not {"{", "}"} & set(filled), (kind, language, part)
        assert placeholders(chosen.subject) | placeholders(chosen.email) == passed
    for part in PARTS:  # the two languages say the same things
        vi, en = (getattr(template(kind, language), part) for language in ("vi", "en"))
        assert placeholders(vi) == placeholders(en), (kind, part)


def test_a_time_is_said_as_its_day_in_vietnam_as_the_privacy_centre_says_it() -> None:
    """A contract ending at 23:59:59 UTC ends on the next day in Vietnam (UTC+7), the day the
    page shows (web/src/format.js: dateOf); a calendar date stays itself."""
    assert said_on("2027-11-30T23:59:59Z", "vi") == "01/12/2027"
    assert said_on("2027-11-30T23:59:59Z", "en") == "1 December 2027"
    assert said_on("2027-11-30T16:59:59Z", "vi") == "30/11/2027"
    assert said_on("2027-11-30", "vi") == "30/11/2027"
    sms = template(Kind.RENEWAL_INVITATION, "vi").sms
    sent = filled(sms, "vi", {"plan": "Pro", "expires_on": "2027-11-30T23:59:59Z", "days": "7"})
    assert "01/12/2027" in sent
    assert "2027-11-30" not in sent


def test_the_layer_is_rebuilt_when_a_template_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "core"
    copied = source / TEMPLATES_FILE.resolve().relative_to(layer_build.LAYER_SOURCE)
    shutil.copytree(layer_build.LAYER_SOURCE, source, ignore=shutil.ignore_patterns("*.egg-info"))
    monkeypatch.setattr(layer_build, "LAYER_SOURCE", source)
    before = layer_build.digest(None)
    copied.write_text(copied.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert layer_build.digest(None) != before
