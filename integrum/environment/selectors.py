"""Reads across the environment registers, for "my work" and the dashboard (constant queries)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from integrum.environment.models import ComplianceEvaluation

DUE_SOON_DAYS = 30


def evaluations_due_for(
    user: Any, organisation: Any, *, within_days: int = DUE_SOON_DAYS
) -> QuerySet[ComplianceEvaluation]:
    """Scheduled evaluations of active obligations that the user evaluates (or owns the obligation
    of, when no evaluator is set), due within `within_days` or overdue; overdue first. One query."""
    from django.db.models import Q

    horizon = timezone.localdate() + datetime.timedelta(days=within_days)
    return (
        ComplianceEvaluation.objects.visible_to(user)
        .filter(organisation=organisation, due_date__lte=horizon)
        .scheduled()
        .filter(Q(evaluator=user) | Q(evaluator__isnull=True, obligation__owner=user))
        .select_related("obligation")
        .order_by("due_date", "number")
    )


def overdue_evaluations(organisation: Any) -> QuerySet[ComplianceEvaluation]:
    """Every scheduled evaluation of an active obligation past its due date, oldest first (one query).

    Callers showing it to a person should narrow it with `visible_to(user)` first; the dashboard
    shows the count."""
    return (
        ComplianceEvaluation.objects.filter(organisation=organisation)
        .overdue()
        .select_related("obligation", "evaluator")
        .order_by("due_date", "number")
    )


def due_for(user: Any, organisation: Any) -> QuerySet[ComplianceEvaluation]:
    """The common name "my work" reads: this app's records assigned to the user and due."""
    return evaluations_due_for(user, organisation)
