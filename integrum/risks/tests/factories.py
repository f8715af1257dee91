from __future__ import annotations

from typing import Any

from integrum.core.models import Organisation, User
from integrum.risks.models import Risk
from integrum.risks.services import risk_create
from integrum.standards.models import Standard


def make_risk(organisation: Organisation, created_by: User | None = None, **overrides: Any) -> Risk:
    fields: dict[str, Any] = {
        "title": "Key supplier of castings fails",
        "inherent_likelihood": 3,
        "inherent_consequence": 4,
        "standards": list(Standard.objects.all()) or None,
    }
    fields.update(overrides)
    return risk_create(organisation=organisation, created_by=created_by, **fields)
