"""Free text that people type (reasons, notes, complaints, announcements, references) is stored
NFC-normalised, and control or bidi-control characters are refused (API.md, Conventions)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ongpt.analytics.models import AnalyticsEvent
from ongpt.announcements.models import AnnouncementPost
from ongpt.complaints.models import ComplaintFile, ComplaintUpdate
from ongpt.contracts.models import ContractCreate
from ongpt.disclosures.models import DisclosureRecord
from ongpt.edits.models import Decision, EditRequestCreate

NOW = "2026-12-01T00:00:00Z"
# One valid body per request model with free text, and the free-text fields it holds.
VALID: list[tuple[type[BaseModel], dict[str, Any], tuple[str, ...]]] = [
    (
        ComplaintFile,
        {"category": "other", "subject": "s", "message": "m", "contact": {"name": "n"}},
        ("subject", "message", "contact.name"),
    ),
    (ComplaintUpdate, {"status": "RESOLVED", "resolution": "r"}, ("resolution",)),
    (
        EditRequestCreate,
        {"changes": {"optional": {"company": "c", "address": "a"}}, "reason": "r"},
        ("reason", "changes.optional.company", "changes.optional.address"),
    ),
    (Decision, {"decision": "reject", "note": "n"}, ("note",)),
    (
        ContractCreate,
        {"customer_id": "c", "plan": "p", "starts_at": NOW, "expires_at": NOW, "reference": "r"},
        ("plan", "reference"),
    ),
    (
        AnnouncementPost,
        {"kind": "service_change", "title": "t", "body": "b"},
        ("title", "body"),
    ),
    (
        DisclosureRecord,
        {
            "customer_id": "c",
            "recipient": "an-authority",
            "legal_basis": "legal_obligation",
            "authority_reference": "r",
            "data_categories": ["contact"],
        },
        ("authority_reference",),
    ),
    (
        AnalyticsEvent,
        {"page": "/p", "search_query": "q", "visited_at": NOW},
        ("page", "search_query"),
    ),
]
CASES = [(model, body, path) for model, body, paths in VALID for path in paths]


def _with(body: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    return {**body, head: _with(body[head], rest, value) if rest else value}


def _get(model: BaseModel, path: str) -> Any:
    for part in path.split("."):
        model = getattr(model, part)
    return model


@pytest.mark.clause("P4")
@pytest.mark.parametrize(("model", "body", "path"), CASES)
def test_free_text_is_stored_nfc(model: type[BaseModel], body: dict[str, Any], path: str) -> None:
    parsed = model.model_validate(_with(body, path, "Khie\u0302\u0301u na\u0323i"))
    assert _get(parsed, path) == "Khiếu nại"


@pytest.mark.clause("P4")
@pytest.mark.parametrize(("model", "body", "path"), CASES)
@pytest.mark.parametrize("bad", ["a\u202eb", "a\u2067b", "a\x00b", "a\x1bb"])
def test_free_text_refuses_control_and_bidi_characters(
    model: type[BaseModel], body: dict[str, Any], path: str, bad: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(_with(body, path, bad))
    assert [".".join(map(str, e["loc"])) for e in refused.value.errors()] == [path]
