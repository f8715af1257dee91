from __future__ import annotations

import datetime
from typing import Any

from integrum.environment import services


def make_aspect(organisation: Any, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "activity": "Degreasing",
        "aspect": "Solvent emissions",
        "impact": "Air pollution",
    }
    values.update(fields)
    return services.aspect_create(organisation=organisation, **values)


def make_obligation(organisation: Any, owner: Any = None, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Solvent emissions permit",
        "source_reference": "Permit EPR/AB1234",
        "owner": owner,
        "evaluation_frequency_months": 12,
    }
    values.update(fields)
    return services.obligation_create(organisation=organisation, **values)


def scheduled(obligation: Any) -> Any:
    return obligation.evaluations.get(status="scheduled")


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


DEFAULT_SCORES = {"severity": 2, "probability": 2, "extent": 2, "legal": 2, "concern": 2}  # total 10
HIGH_SCORES = {"severity": 3, "probability": 3, "extent": 2, "legal": 2, "concern": 2}  # total 12
