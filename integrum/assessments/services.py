"""Writes with rules for gap analyses."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from integrum.actions.models import Action
from integrum.actions.services import action_create
from integrum.assessments.models import Assessment, AssessmentItem, EvidenceLink
from integrum.core.models import Organisation, Site, User
from integrum.standards.models import Clause, Correspondence, Standard


def _item_groups(standards: Sequence[Standard], integrated: bool) -> list[list[Clause]]:
    """The clauses each item covers: one leaf clause, or an equivalent pair in integrated mode."""
    leaves = sorted(
        Clause.objects.filter(standard__in=standards, is_leaf=True).select_related("standard"),
        key=lambda clause: (clause.sort_key, clause.standard.display_order),
    )
    partner: dict[int, Clause] = {}
    if integrated and len(standards) > 1:
        by_id = {clause.pk: clause for clause in leaves}
        pairs = Correspondence.objects.filter(
            kind=Correspondence.Kind.EQUIVALENT, from_clause__in=leaves, to_clause__in=leaves
        ).values_list("from_clause_id", "to_clause_id")
        for left, right in pairs:
            partner[left], partner[right] = by_id[right], by_id[left]
    groups: list[list[Clause]] = []
    seen: set[int] = set()
    for clause in leaves:
        if clause.pk in seen:
            continue
        group = [clause] + ([partner[clause.pk]] if clause.pk in partner else [])
        seen.update(c.pk for c in group)
        groups.append(group)
    return groups


@transaction.atomic
def assessment_create(
    *,
    organisation: Organisation,
    title: str,
    standards: Sequence[Standard],
    integrated: bool = True,
    owner: User | None = None,
    target_date: datetime.date | None = None,
    description: str = "",
) -> Assessment:
    """Create a gap analysis with one item per leaf clause (shared clauses once when integrated)."""
    if not standards:
        raise ValidationError({"standards": "Choose at least one standard."})
    if owner is not None and not owner.memberships.filter(organisation=organisation).exists():
        raise ValidationError({"owner": "The owner must be a member of the organisation."})
    assessment = Assessment(
        organisation=organisation,
        title=title,
        description=description,
        integrated=integrated and len(standards) > 1,
        owner=owner,
        target_date=target_date,
    )
    assessment.full_clean()
    assessment.save()
    assessment.standards.set(standards)
    groups = _item_groups(standards, assessment.integrated)
    items = AssessmentItem.objects.bulk_create(
        AssessmentItem(
            organisation=organisation,
            assessment=assessment,
            clause=group[0],
            group=group[0].group,
            sort_key=group[0].sort_key,
        )
        for group in groups
    )
    Through = AssessmentItem.clauses.through
    Through.objects.bulk_create(
        Through(assessmentitem_id=item.pk, clause_id=clause.pk)
        for item, group in zip(items, groups, strict=True)
        for clause in group
    )
    return assessment


def not_applicable_refusal(item: AssessmentItem, justification: str) -> dict[str, str]:
    """Why `not applicable` cannot be recorded for this item (empty if it can)."""
    errors = {}
    refused = [c for c in item.clauses.all() if not c.exclusion_allowed]
    if refused:
        names = ", ".join(c.reference for c in refused)
        errors["status"] = (
            f"{names} cannot be declared not applicable: the standard allows exclusions only for some "
            "ISO 9001 requirements (e.g. 7.1.5, 8.3), never for shared or ISO 14001 clauses."
        )
    if not justification.strip():
        errors["justification"] = "Explain why the requirement does not apply: auditors will ask."
    return errors


@transaction.atomic
def assessment_item_update(
    *,
    item: AssessmentItem,
    version: int,
    status: str,
    notes: str = "",
    justification: str = "",
    owner: User | None = None,
    target_date: datetime.date | None = None,
) -> AssessmentItem:
    """Record the assessment of a clause. A stale `version` raises StaleEdit and changes nothing."""
    if status not in AssessmentItem.Status.values:
        raise ValidationError({"status": f"“{status}” is not a status of a gap analysis item."})
    if status == AssessmentItem.Status.NOT_APPLICABLE:
        errors = not_applicable_refusal(item, justification)
        if errors:
            raise ValidationError(errors)
    if owner is not None and not owner.memberships.filter(organisation_id=item.organisation_id).exists():
        raise ValidationError({"owner": "The owner must be a member of the organisation."})
    item.version = version
    item.status = status
    item.notes = notes
    item.justification = justification if status == AssessmentItem.Status.NOT_APPLICABLE else ""
    item.owner = owner
    item.target_date = target_date
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def evidence_link_add(*, item: AssessmentItem, target: models.Model) -> EvidenceLink:
    """Link a record of the same organisation as evidence for the item."""
    if getattr(target, "organisation_id", None) != item.organisation_id:
        raise ValidationError("Evidence must be a record of the same organisation.")
    target_type = ContentType.objects.get_for_model(target)
    if EvidenceLink.objects.filter(item=item, target_type=target_type, target_id=str(target.pk)).exists():
        raise ValidationError(f"{target} is already linked as evidence.")
    link = EvidenceLink(
        organisation_id=item.organisation_id,
        item=item,
        target_type=target_type,
        target_id=str(target.pk),
        label=str(target)[:300],
    )
    link.save()
    return link


@transaction.atomic
def action_from_gap(
    *,
    item: AssessmentItem,
    title: str,
    created_by: User,
    owner: User | None = None,
    due_date: datetime.date | None = None,
    priority: str = Action.Priority.MEDIUM,
    description: str = "",
    site: Site | None = None,
) -> Action:
    """Raise an action to close a gap; the action keeps the item as its source."""
    return action_create(
        organisation=item.assessment.organisation,
        title=title,
        description=description,
        owner=owner,
        site=site,
        due_date=due_date,
        priority=priority,
        created_by=created_by,
        source=item,
    )
