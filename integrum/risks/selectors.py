"""Reads for "my work" and the dashboard (wired by the lead in `reports`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from integrum.risks.models import Risk


def reviews_due_for(user: Any, organisation: Any) -> QuerySet[Risk]:
    """Risks the user owns whose review date is today or past, not closed; oldest first (one query)."""
    return (
        Risk.objects.visible_to(user)
        .filter(organisation=organisation, owner=user, review_date__lte=timezone.localdate())
        .exclude(status=Risk.Status.CLOSED)
        .order_by("review_date", "number")
    )


def due_for(user: Any, organisation: Any) -> QuerySet[Risk]:
    """The name "my work" uses for every register: here, the risk reviews due."""
    return reviews_due_for(user, organisation)


def headline(user: Any, organisation: Any) -> dict[str, int]:
    """Open risks, critical/high ones (residual if scored, else inherent) and reviews due (one query)."""
    today = timezone.localdate()
    severe = ("high", "critical")
    current_high = Q(residual_level__in=severe) | (Q(residual_level="") & Q(inherent_level__in=severe))
    active = ~Q(status=Risk.Status.CLOSED)
    return (
        Risk.objects.visible_to(user)
        .filter(organisation=organisation)
        .aggregate(
            open=Count("pk", filter=active),
            high=Count("pk", filter=active & current_high),
            reviews_due=Count("pk", filter=active & Q(review_date__lte=today)),
        )
    )
