"""What this app shows on the pages of apps to its left (`core.relations`)."""

from __future__ import annotations

from typing import Any

from django.db import models

from integrum.core.relations import Related
from integrum.environment.models import ComplianceObligation


def related_records(obj: models.Model, user: Any) -> list[Related]:
    """On an interested party's page: the obligations created from its requirements."""
    from integrum.context.models import InterestedParty, PartyRequirement

    if isinstance(obj, InterestedParty):
        condition: dict[str, Any] = {"origin__party_id": obj.pk}
    elif isinstance(obj, PartyRequirement):
        condition = {"origin_id": obj.pk}
    else:
        return []
    obligations = ComplianceObligation.objects.visible_to(user).filter(
        organisation_id=obj.organisation_id,
        **condition,
    )
    return [
        Related(
            label="Compliance obligation",
            record=obligation,
            status=obligation.get_status_display(),
            css_class="badge--done"
            if obligation.status == ComplianceObligation.Status.ACTIVE
            else "badge--muted",
        )
        for obligation in obligations
    ]
