"""Writes with rules for actions: numbering and the status workflow."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from integrum.actions.models import Action
from integrum.core.changelog import change_note
from integrum.core.models import ObjectChange, Organisation, Site, User
from integrum.core.numbering import format_reference, next_number

S = Action.Status

# The one table of allowed steps: from a status, to the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.OPEN: (S.IN_PROGRESS, S.DONE, S.CANCELLED),
    S.IN_PROGRESS: (S.OPEN, S.DONE, S.CANCELLED),
    S.DONE: (S.OPEN,),
    S.CANCELLED: (S.OPEN,),
}

# Button labels for each target status.
TRANSITION_LABELS = {S.IN_PROGRESS: "Start", S.DONE: "Mark done", S.CANCELLED: "Cancel", S.OPEN: "Reopen"}


def allowed_transitions(action: Action) -> tuple[str, ...]:
    return TRANSITIONS[action.status]


def _check_people(organisation: Organisation, owner: User | None, site: Site | None) -> None:
    errors = {}
    if owner is not None and not owner.memberships.filter(organisation=organisation).exists():
        errors["owner"] = "The owner must be a member of the organisation."
    if site is not None and site.organisation_id != organisation.pk:
        errors["site"] = "The site must belong to the organisation."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_create(
    *,
    organisation: Organisation,
    title: str,
    created_by: User | None,
    description: str = "",
    owner: User | None = None,
    site: Site | None = None,
    due_date: datetime.date | None = None,
    priority: str = Action.Priority.MEDIUM,
    source: models.Model | None = None,
) -> Action:
    """Create an action with the organisation's next reference (ACT-0001)."""
    from django.contrib.contenttypes.models import ContentType

    _check_people(organisation, owner, site)
    if source is not None and getattr(source, "organisation_id", organisation.pk) != organisation.pk:
        raise ValidationError("An action can only be raised from a record of its own organisation.")
    action = Action(
        organisation=organisation,
        title=title,
        description=description,
        owner=owner,
        site=site,
        due_date=due_date,
        priority=priority,
        created_by=created_by,
    )
    if source is not None:
        action.source_type = ContentType.objects.get_for_model(source)
        action.source_id = str(source.pk)
    action.full_clean(exclude=["number", "reference"])
    action.number = next_number(organisation, "action")
    action.reference = format_reference("ACT", action.number)
    action.save()
    return action


@transaction.atomic
def action_update(*, action: Action, **fields: object) -> Action:
    """Edit an action's plain fields; `version` must be the one the editor saw."""
    for name, value in fields.items():
        setattr(action, name, value)
    _check_people(action.organisation, action.owner, action.site)
    action.full_clean(exclude=["number", "reference"])
    action.save()
    return action


@transaction.atomic
def action_transition(*, action: Action, to: str, outcome: str = "") -> Action:
    """Move an action along the workflow; an illegal step raises ValidationError and changes nothing."""
    if to not in S.values:
        raise ValidationError(f"“{to}” is not a status of an action.")
    if to not in TRANSITIONS[action.status]:
        raise ValidationError(
            f"An action that is {action.get_status_display().lower()} cannot become {S(to).label.lower()}."
        )
    if to == S.DONE and not (outcome or action.outcome).strip():
        raise ValidationError({"outcome": "Say what was done before marking the action done."})
    previous = action.get_status_display()
    action.status = to
    if outcome:
        action.outcome = outcome
    action.completed_at = timezone.now() if to == S.DONE else None
    with change_note(ObjectChange.Action.TRANSITION, f"{previous} → {S(to).label}"):
        action.save()
    return action


@transaction.atomic
def action_reassign(*, actions: list[Action], owner: User, organisation: Organisation) -> int:
    """Give several actions a new owner at once (each change is logged)."""
    _check_people(organisation, owner, None)
    for action in actions:
        if action.organisation_id != organisation.pk:
            raise ValidationError("Only actions of the current organisation can be reassigned.")
        action.owner = owner
        action.save()
    return len(actions)
