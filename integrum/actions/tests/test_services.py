from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from integrum.actions.models import Action
from integrum.actions.services import (
    TRANSITIONS,
    action_create,
    action_reassign,
    action_transition,
    action_update,
)
from integrum.actions.tests.factories import make_action
from integrum.core.models import ObjectChange, StaleEdit

pytestmark = pytest.mark.django_db


def test_it_numbers_actions_per_organisation(organisation, other_organisation, manager):
    first = make_action(organisation, manager)
    second = make_action(organisation, manager)
    elsewhere = make_action(other_organisation, None)
    assert (first.reference, second.reference, elsewhere.reference) == ("ACT-0001", "ACT-0002", "ACT-0001")


def test_it_refuses_an_owner_from_another_organisation(organisation, outsider):
    with pytest.raises(ValidationError) as error:
        action_create(organisation=organisation, title="x", created_by=None, owner=outsider)
    assert "owner" in error.value.message_dict
    assert not Action.objects.exists()


@pytest.mark.parametrize("start", list(TRANSITIONS))
def test_it_allows_only_the_transitions_in_the_table(organisation, manager, start):
    for target in Action.Status.values:
        action = make_action(organisation, manager)
        Action.objects.filter(pk=action.pk).update(status=start, outcome="Finished.")
        action.refresh_from_db()
        if target in TRANSITIONS[start]:
            action_transition(action=action, to=target)
            assert Action.objects.get(pk=action.pk).status == target
        else:
            before = ObjectChange.objects.count()
            with pytest.raises(ValidationError):
                action_transition(action=action, to=target)
            assert Action.objects.get(pk=action.pk).status == start
            assert ObjectChange.objects.count() == before


def test_it_needs_an_outcome_to_finish(organisation, manager):
    action = make_action(organisation, manager)
    with pytest.raises(ValidationError) as error:
        action_transition(action=action, to=Action.Status.DONE)
    assert "outcome" in error.value.message_dict
    done = action_transition(
        action=action, to=Action.Status.DONE, outcome="Wrenches sent to the lab; certificates filed."
    )
    assert done.completed_at is not None


def test_it_logs_transitions_with_a_message(organisation, manager):
    action = make_action(organisation, manager)
    action_transition(action=action, to=Action.Status.IN_PROGRESS)
    entry = ObjectChange.objects.for_object(action).first()
    assert entry.action == ObjectChange.Action.TRANSITION
    assert entry.message == "Open → In progress"
    assert entry.after == {"status": "in_progress"}


def test_it_refuses_a_stale_edit(organisation, manager):
    action = make_action(organisation, manager)
    stale = Action.objects.get(pk=action.pk)
    action_update(action=action, version=action.version, title="Fresh title")
    with pytest.raises(StaleEdit):
        action_update(action=stale, version=stale.version, title="Stale title")
    assert Action.objects.get(pk=action.pk).title == "Fresh title"


def test_it_reassigns_in_bulk(organisation, manager, contributor):
    actions = [make_action(organisation, manager, due_date=datetime.date(2030, 1, d)) for d in (1, 2, 3)]
    assert action_reassign(actions=actions, owner=contributor, organisation=organisation) == 3
    assert set(Action.objects.values_list("owner", flat=True)) == {contributor.pk}
