from __future__ import annotations

import datetime
from typing import Any

from integrum.actions.models import Action
from integrum.actions.services import action_create
from integrum.core.models import Organisation, User


def make_action(organisation: Organisation, created_by: User | None = None, **overrides: Any) -> Action:
    fields: dict[str, Any] = {
        "title": "Calibrate the torque wrenches",
        "due_date": datetime.date(2030, 1, 31),
    }
    fields.update(overrides)
    return action_create(organisation=organisation, created_by=created_by, **fields)
