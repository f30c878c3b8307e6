"""The body of ``GET /v1/me/export``."""

from __future__ import annotations

from pydantic import BaseModel

from ongpt.complaints.models import OwnComplaint
from ongpt.consents.models import ConsentsHeld
from ongpt.contracts.models import ContractSummary
from ongpt.customers.models import Profile
from ongpt.disclosures.models import Disclosure
from ongpt.edits.models import EditRequest
from ongpt.notify.models import Notification
from ongpt.staff.models import AccessLogEntry


class Export(BaseModel):
    """Everything held about the customer (API.md, ``GET /v1/me/export``)."""

    profile: Profile
    consents: ConsentsHeld
    edit_requests: list[EditRequest]
    contracts: list[ContractSummary]
    notifications: list[Notification]
    complaints: list[OwnComplaint]
    disclosures: list[Disclosure]
    access_log: list[AccessLogEntry]
