"""Nonconformities raised from a finding, an evaluation or a process, or re-assessing a risk, for
that record's page (`core.relations`)."""

from __future__ import annotations

from typing import Any

from django.db import models

from integrum.core.relations import Related, register_relations
from integrum.improvement.models import Nonconformity

# (app label, model name) of a record → the lookup that finds its nonconformities.
LOOKUPS = {
    ("audits", "finding"): "finding",
    ("environment", "complianceevaluation"): "evaluation",
    ("context", "process"): "process",
    ("risks", "risk"): "risks",
}
CSS = {
    Nonconformity.Status.CLOSED: "badge--done",
    Nonconformity.Status.REJECTED: "badge--muted",
    Nonconformity.Status.ACTION: "badge--progress",
}


def nonconformities_for(obj: models.Model, user: Any) -> list[Related]:
    """The nonconformities linked to `obj` (one query; none for other kinds of record)."""
    lookup = LOOKUPS.get((obj._meta.app_label, obj._meta.model_name or ""))
    if lookup is None or obj.pk is None:
        return []
    found = Nonconformity.objects.visible_to(user).filter(
        organisation_id=getattr(obj, "organisation_id", None), **{lookup: obj}
    )
    return [
        Related(
            label="Nonconformity",
            record=nc,
            status=nc.get_status_display(),
            css_class=CSS.get(nc.status, "badge--danger"),
        )
        for nc in found.order_by("number")[:100]
    ]


def register() -> None:
    register_relations(nonconformities_for)
