"""Objectives linked to a risk, an aspect or an obligation, for that record's page (`core.relations`)."""

from __future__ import annotations

from typing import Any

from django.db import models

from integrum.core.relations import Related, register_relations
from integrum.performance.models import Objective

# Related name on Objective → (app label, model name) of the records it links to.
LINKS = {
    "risks": ("risks", "risk"),
    "aspects": ("environment", "aspect"),
    "obligations": ("environment", "complianceobligation"),
}


def objectives_for(obj: models.Model, user: Any) -> list[Related]:
    """The objectives that address `obj` (one query; none for other kinds of record)."""
    key = (obj._meta.app_label, obj._meta.model_name)
    field = next((name for name, target in LINKS.items() if target == key), None)
    if field is None or obj.pk is None:
        return []
    objectives = Objective.objects.visible_to(user).filter(
        organisation_id=getattr(obj, "organisation_id", None), **{field: obj}
    )
    return [
        Related(
            label="Objective",
            record=objective,
            status="Cancelled" if objective.is_cancelled else f"Due {objective.due_date:%d %b %Y}",
            css_class="badge--muted" if objective.is_cancelled else "badge--progress",
        )
        for objective in objectives.order_by("number")
    ]


def register() -> None:
    register_relations(objectives_for)
