"""Risks raised from a record, for the record's page (`core.relations`): a context issue, an
interested party, a process, an aspect or an obligation lists the risks whose source it is."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from integrum.core.relations import Related, register_relations
from integrum.risks.models import Risk

STATUS_CSS = {
    Risk.Status.OPEN: "badge--progress",
    Risk.Status.TREATED: "badge--done",
    Risk.Status.CLOSED: "badge--muted",
}


def risks_from(obj: models.Model, user: Any) -> list[Related]:
    """The risks whose source is `obj` that the user may see (one query)."""
    if obj.pk is None or isinstance(obj, Risk):
        return []
    risks = Risk.objects.visible_to(user).filter(
        source_type=ContentType.objects.get_for_model(obj), source_id=str(obj.pk)
    )
    organisation_id = getattr(obj, "organisation_id", None)
    if organisation_id is not None:
        risks = risks.filter(organisation_id=organisation_id)
    return [
        Related(
            label=risk.get_kind_display(),
            record=risk,
            status=f"{risk.get_status_display()} · {risk.inherent_score} {risk.get_inherent_level_display().lower()}",
            css_class=STATUS_CSS.get(Risk.Status(risk.status), ""),
        )
        for risk in risks.order_by("number")
    ]


def register() -> None:
    register_relations(risks_from)
