"""The customer's own profile, as the API answers it, and the parts of it kept sealed."""

from __future__ import annotations

import json
from datetime import date

from pydantic import BaseModel

from ongpt.platform.models import Language, Strict, Text200

SEALED_FIELDS = ("full_name", "email", "phone", "optional")  # each under the customer's data key


class OptionalDetails(Strict):
    company: Text200 | None = None
    address: Text200 | None = None
    date_of_birth: date | None = None
    preferred_language: Language | None = None


def optional_details(sealed_json: str) -> OptionalDetails:
    return OptionalDetails.model_validate(json.loads(sealed_json))


class Profile(BaseModel):
    customer_id: str
    full_name: str
    email: str
    phone: str
    optional: OptionalDetails
    status: str
    created_at: str
    updated_at: str
