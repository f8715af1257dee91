"""Writes of organisation data that the standards library holds: links from records to clauses."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from integrum.standards.models import Clause, ClauseLink, Standard


@transaction.atomic
def clause_links_set(*, target: models.Model, clauses: Iterable[Clause]) -> None:
    """Make `target` serve exactly these clauses (each link added or removed is logged)."""
    target_type = ContentType.objects.get_for_model(target)
    wanted = {clause.pk: clause for clause in clauses}
    existing = ClauseLink.objects.filter(target_type=target_type, target_id=str(target.pk))
    for link in existing:
        if link.clause_id not in wanted:
            link.delete()
    present = {link.clause_id for link in existing}
    for clause_id, clause in wanted.items():
        if clause_id not in present:
            ClauseLink.objects.create(
                organisation_id=target.organisation_id,  # type: ignore[attr-defined]
                clause=clause,
                target_type=target_type,
                target_id=str(target.pk),
            )


def clauses_of(target: models.Model) -> models.QuerySet[Clause]:
    target_type = ContentType.objects.get_for_model(target)
    return Clause.objects.filter(
        links__target_type=target_type, links__target_id=str(target.pk)
    ).select_related("standard")


def standards_chosen(standards: Iterable[Standard] | None, what: str) -> list[Standard]:
    """The standards a record serves, at least one; `what` ends the sentence: "the audit covers"."""
    chosen = list(standards or [])
    if not chosen:
        raise ValidationError({"standards": f"Choose the standard(s) {what}: ISO 9001, ISO 14001 or both."})
    return chosen
