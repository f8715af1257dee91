"""Reads for the home dashboard and "my work": everything assigned to a person, across apps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from integrum.actions.models import Action
from integrum.assessments.models import Assessment, AssessmentItem
from integrum.assessments.selectors import StandardReadiness, readiness


def overdue_first(queryset: QuerySet[Any], date_field: str) -> QuerySet[Any]:
    today = timezone.localdate()
    return queryset.annotate(
        _late=Case(
            When(**{f"{date_field}__lt": today}, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("_late", f"{date_field}", "pk")


@dataclass
class MyWork:
    actions: list[Action]
    gap_items: list[AssessmentItem]

    @property
    def count(self) -> int:
        return len(self.actions) + len(self.gap_items)


def my_work(user: Any, organisation: Any, limit: int = 100) -> MyWork:
    """Open actions and open gap-analysis items owned by the user, overdue first (two queries)."""
    actions = overdue_first(
        Action.objects.visible_to(user).filter(
            organisation=organisation, owner=user, status__in=Action.OPEN_STATUSES
        ),
        "due_date",
    ).select_related("site")[:limit]
    items = overdue_first(
        AssessmentItem.objects.visible_to(user).filter(
            organisation=organisation, owner=user, status__in=AssessmentItem.OPEN_STATUSES
        ),
        "target_date",
    ).select_related("clause", "assessment")[:limit]
    return MyWork(actions=list(actions), gap_items=list(items))


@dataclass
class Headlines:
    open_actions: int
    overdue_actions: int
    due_soon_actions: int
    assessment: Assessment | None
    readiness: list[StandardReadiness]


def headlines(user: Any, organisation: Any) -> Headlines:
    """The organisation's figures on the home page; each is one aggregate query."""
    from django.db.models import Count

    today = timezone.localdate()
    open_actions = Action.objects.visible_to(user).filter(
        organisation=organisation, status__in=Action.OPEN_STATUSES
    )
    counts = open_actions.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        soon=Count("pk", filter=Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=14))),
    )
    assessment = (
        Assessment.objects.visible_to(user).filter(organisation=organisation).order_by("-created_at").first()
    )
    return Headlines(
        open_actions=counts["total"],
        overdue_actions=counts["overdue"],
        due_soon_actions=counts["soon"],
        assessment=assessment,
        readiness=readiness(assessment) if assessment else [],
    )
