"""Reads for the home dashboard and "my work": everything assigned to a person, across apps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from integrum.actions.models import Action
from integrum.assessments.models import Assessment, AssessmentItem
from integrum.assessments.selectors import StandardReadiness, readiness
from integrum.audits.models import Audit
from integrum.context.selectors import climate_determination_missing
from integrum.core.models import Role
from integrum.core.permissions import membership_in
from integrum.documents.models import Acknowledgement, ApprovalStep, Document, DocumentRevision
from integrum.environment.models import ComplianceEvaluation
from integrum.environment.selectors import evaluations_due_for, overdue_evaluations
from integrum.improvement.models import Nonconformity
from integrum.performance.selectors import kpi_values_due_for, objectives_at_risk_for
from integrum.reviews.models import ManagementReview
from integrum.risks.models import Risk
from integrum.risks.selectors import reviews_due_for


def overdue_first(queryset: QuerySet[Any], date_field: str) -> QuerySet[Any]:
    today = timezone.localdate()
    return queryset.annotate(
        _late=Case(
            When(**{f"{date_field}__lt": today}, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("_late", f"{date_field}", "pk")


# --- Document control: what waits for one person ---------------------------------------------


def reviews_due(user: Any, organisation: Any) -> QuerySet[Document]:
    """Effective documents the user owns whose periodic review is due or overdue, earliest first."""
    return (
        Document.objects.visible_to(user)
        .filter(organisation=organisation, owner=user)
        .review_due()
        .order_by("next_review_date", "pk")
    )


def approvals_waiting(user: Any, organisation: Any) -> QuerySet[ApprovalStep]:
    """Pending review and approval steps the user may sign now, longest waiting first.

    The same rules as `documents.services`: a step named for the user, or for a role the user
    holds or outranks (`can_sign`); and only once every earlier step is signed (`waiting_steps`).
    """
    membership = membership_in(user, organisation.pk)
    if membership is None:
        return ApprovalStep.objects.none()
    roles = [role for role in Role.values if membership.has_role(role)]
    earlier_pending = ApprovalStep.objects.filter(
        revision=OuterRef("revision"), status=ApprovalStep.Status.PENDING, position__lt=OuterRef("position")
    )
    return (
        ApprovalStep.objects.visible_to(user)
        .filter(
            organisation=organisation,
            status=ApprovalStep.Status.PENDING,
            revision__status=DocumentRevision.Status.IN_REVIEW,
        )
        .filter(Q(assignee=user) | Q(assignee__isnull=True, role__in=roles))
        .exclude(Exists(earlier_pending))
        .select_related("revision__document")
        .order_by("revision__submitted_at", "revision_id", "position", "pk")
    )


def to_acknowledge(user: Any, organisation: Any) -> QuerySet[Document]:
    """Effective documents distributed to the user (by name or role) whose current revision the
    user has not acknowledged yet, the longest in force first."""
    membership = membership_in(user, organisation.pk)
    if membership is None:
        return Document.objects.none()
    named = Document.distribution_users.through.objects.filter(user_id=user.pk).values("document_id")
    acknowledged = Acknowledgement.objects.filter(revision=OuterRef("current_revision"), user_id=user.pk)
    return (
        Document.objects.visible_to(user)
        .filter(organisation=organisation, status=Document.Status.EFFECTIVE, current_revision__isnull=False)
        # The roles are a JSON list; its text holds `"viewer"` exactly when the role is in it. A
        # text match works alike on SQLite and PostgreSQL, where JSON containment does not.
        .annotate(_roles=Cast("distribution_roles", TextField()))
        .filter(Q(pk__in=named) | Q(_roles__contains=f'"{membership.role}"'))
        .exclude(Exists(acknowledged))
        .select_related("current_revision")
        .order_by("current_revision__effective_at", "pk")
    )


@dataclass
class MyWork:
    actions: list[Action]
    gap_items: list[AssessmentItem]
    reviews: list[Document]
    approvals: list[ApprovalStep]
    to_read: list[Document]
    risk_reviews: list[Risk]
    evaluations: list[ComplianceEvaluation]
    # KPI values to enter and objectives at risk or missed (performance.selectors).
    kpi_values: list[Any] = field(default_factory=list)
    objectives: list[Any] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    nonconformities: list[Nonconformity] = field(default_factory=list)
    management_reviews: list[ManagementReview] = field(default_factory=list)

    @property
    def count(self) -> int:
        lists: list[list[Any]] = [
            self.actions,
            self.gap_items,
            self.reviews,
            self.approvals,
            self.to_read,
            self.risk_reviews,
            self.evaluations,
            self.kpi_values,
            self.objectives,
            self.audits,
            self.nonconformities,
            self.management_reviews,
        ]
        return sum(len(entries) for entries in lists)


AUDITS_TO_DO = (Audit.Status.PLANNED, Audit.Status.PREPARED, Audit.Status.IN_PROGRESS)
REVIEWS_TO_HOLD = (ManagementReview.Status.PLANNED, ManagementReview.Status.COMPILED)


def audits_for(user: Any, organisation: Any) -> QuerySet[Audit]:
    """Audits the user leads or is on the team of that are not reported yet, earliest first."""
    return (
        Audit.objects.visible_to(user)
        .filter(organisation=organisation, status__in=AUDITS_TO_DO)
        .filter(
            Q(lead_auditor=user)
            | Q(pk__in=Audit.team.through.objects.filter(user_id=user.pk).values("audit_id"))
        )
        .order_by("planned_start", "pk")
    )


def nonconformities_for(user: Any, organisation: Any) -> QuerySet[Nonconformity]:
    """Open nonconformities the user owns, and, for managers, those waiting to be triaged; the
    ones whose effectiveness check is due first."""
    membership = membership_in(user, organisation.pk)
    mine = Q(owner=user, status__in=Nonconformity.OPEN_STATUSES)
    if membership is not None and membership.has_role(Role.MANAGER):
        mine |= Q(status=Nonconformity.Status.REPORTED)
    return overdue_first(
        Nonconformity.objects.visible_to(user).filter(mine, organisation=organisation), "effectiveness_due"
    )


def management_reviews_for(user: Any, organisation: Any) -> QuerySet[ManagementReview]:
    """Reviews the user chairs that are not signed yet."""
    return (
        ManagementReview.objects.visible_to(user)
        .filter(organisation=organisation, chair=user, status__in=REVIEWS_TO_HOLD)
        .order_by("scheduled_for", "pk")
    )


def my_work(user: Any, organisation: Any, limit: int = 100) -> MyWork:
    """Open actions and gap-analysis items the user owns, documents to review, sign and read,
    risks to review, compliance evaluations to carry out, KPI values to enter, objectives at
    risk, audits to carry out, nonconformities to take forward and reviews to hold, overdue
    first (a fixed number of queries)."""
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
    return MyWork(
        actions=list(actions),
        gap_items=list(items),
        reviews=list(reviews_due(user, organisation)[:limit]),
        approvals=list(approvals_waiting(user, organisation)[:limit]),
        to_read=list(to_acknowledge(user, organisation)[:limit]),
        risk_reviews=list(reviews_due_for(user, organisation)[:limit]),
        evaluations=list(evaluations_due_for(user, organisation)[:limit]),
        kpi_values=kpi_values_due_for(user, organisation, limit=limit),
        objectives=objectives_at_risk_for(user, organisation, limit=limit),
        audits=list(audits_for(user, organisation)[:limit]),
        nonconformities=list(nonconformities_for(user, organisation)[:limit]),
        management_reviews=list(management_reviews_for(user, organisation)[:limit]),
    )


@dataclass
class Headlines:
    open_actions: int
    overdue_actions: int
    due_soon_actions: int
    assessment: Assessment | None
    readiness: list[StandardReadiness]
    reviews_overdue: int
    approvals_waiting: int
    to_read: int
    evaluations_overdue: int
    climate_determination_missing: bool
    open_nonconformities: int = 0
    nonconformities_to_triage: int = 0


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
    nonconformities = (
        Nonconformity.objects.visible_to(user)
        .filter(organisation=organisation, status__in=Nonconformity.OPEN_STATUSES)
        .aggregate(total=Count("pk"), reported=Count("pk", filter=Q(status=Nonconformity.Status.REPORTED)))
    )
    return Headlines(
        open_actions=counts["total"],
        overdue_actions=counts["overdue"],
        due_soon_actions=counts["soon"],
        assessment=assessment,
        readiness=readiness(assessment) if assessment else [],
        reviews_overdue=Document.objects.visible_to(user)
        .filter(organisation=organisation)
        .review_overdue()
        .count(),
        approvals_waiting=approvals_waiting(user, organisation).count(),
        to_read=to_acknowledge(user, organisation).count(),
        evaluations_overdue=overdue_evaluations(organisation)
        .filter(pk__in=ComplianceEvaluation.objects.visible_to(user).values("pk"))
        .count(),
        climate_determination_missing=climate_determination_missing(organisation),
        open_nonconformities=nonconformities["total"],
        nonconformities_to_triage=nonconformities["reported"],
    )
