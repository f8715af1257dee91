"""Reads of the context registers that other pages use (readiness, dashboards)."""

from __future__ import annotations

from integrum.context.models import ClimateDetermination
from integrum.core.models import Organisation


def climate_determination_missing(organisation: Organisation) -> bool:
    """True while the organisation has not said whether climate change is relevant (Amd 1:2024). One query."""
    return not ClimateDetermination.objects.filter(organisation=organisation).exists()


def climate_determination(organisation: Organisation) -> ClimateDetermination | None:
    return ClimateDetermination.objects.filter(organisation=organisation).select_related("decided_by").first()


def climate_warning(organisation: Organisation) -> str | None:
    """The gap analysis warning while the climate-change determination is not recorded."""
    if climate_determination_missing(organisation):
        return (
            "Clause 4.1 (Amendment 1:2024): record whether climate change is a relevant issue, "
            "with the reasoning, under Context. Auditors expect the determination even if the answer is no."
        )
    return None
