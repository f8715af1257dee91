"""Services: scoring on the versioned matrix, treatment rules, the workflow, actions, deletion."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from integrum.actions.models import Action
from integrum.actions.services import action_transition
from integrum.actions.tests.factories import make_action
from integrum.core.models import ObjectChange, StaleEdit
from integrum.risks import services
from integrum.risks.models import Risk, RiskMatrix
from integrum.risks.tests.factories import make_risk
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[list[tuple], int, int]:
    rows = list(
        Risk.objects.order_by("pk").values_list(
            "pk", "title", "status", "inherent_score", "residual_score", "treatment", "matrix_id", "version"
        )
    )
    return rows, ObjectChange.objects.count(), RiskMatrix.objects.count()


def test_it_registers_a_risk_scored_on_the_default_matrix(organisation, manager, standards):
    risk = make_risk(organisation, manager, owner=manager)
    assert (risk.reference, risk.status, risk.inherent_score, risk.inherent_level) == (
        "RSK-001",
        "open",
        12,
        "high",
    )
    assert risk.matrix.number == 1 and risk.matrix.size == 5
    assert risk.inherent_text == "likelihood 3 (Possible) × consequence 4 (Major)"
    assert make_risk(organisation, title="Second").reference == "RSK-002"
    assert ObjectChange.objects.for_object(risk).filter(action="create").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"inherent_consequence": 0}, "inherent_consequence"),
        ({"residual_likelihood": 2}, "residual_likelihood"),  # consequence missing
        ({"residual_likelihood": 4, "residual_consequence": 4}, "residual_likelihood"),  # 16 > 12
        ({"treatment": "pursue"}, "treatment"),  # an opportunity's treatment on a risk
        ({"kind": "opportunity", "treatment": "mitigate"}, "treatment"),
        ({"standards": []}, "standards"),
        ({"title": ""}, "title"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(organisation, standards, fields, field):
    make_risk(organisation)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        make_risk(organisation, **fields)
    assert field in caught.value.message_dict
    assert snapshot() == before


def test_it_says_why_a_residual_above_the_inherent_score_is_refused(organisation, standards):
    with pytest.raises(ValidationError) as caught:
        make_risk(organisation, residual_likelihood=5, residual_consequence=5)
    assert "higher than the inherent score" in caught.value.message_dict["residual_likelihood"][0]


def test_it_lets_an_opportunity_score_higher_after_treatment(organisation, standards):
    risk = make_risk(
        organisation, kind="opportunity", treatment="pursue", residual_likelihood=5, residual_consequence=5
    )
    assert (risk.residual_score, risk.residual_level) == (25, "critical")


def test_it_refuses_an_owner_from_another_organisation(organisation, outsider, standards):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        make_risk(organisation, owner=outsider)
    assert "owner" in caught.value.message_dict
    assert snapshot() == before


def test_it_refuses_a_source_of_another_kind_or_organisation(
    organisation, other_organisation, standards, action_sources
):
    foreign = make_action(other_organisation)
    with pytest.raises(ValidationError, match="same organisation"):
        make_risk(organisation, source=foreign)
    issue_like = make_risk(organisation)
    with pytest.raises(ValidationError, match="can come from"):
        make_risk(organisation, title="From a risk", source=issue_like)


def test_it_records_its_source(organisation, standards, action_sources):
    source = make_action(organisation)
    risk = make_risk(organisation, source=source)
    assert risk.source == source and risk.source_key() == f"actions.action:{source.pk}"
    assert list(Risk.objects.raised_from(source)) == [risk]


def test_it_versions_the_matrix_and_keeps_each_risks_version(organisation, admin_user, standards):
    old = make_risk(organisation, inherent_likelihood=5, inherent_consequence=5)
    matrix = services.risk_matrix_change(
        organisation=organisation,
        size=3,
        likelihood_labels=["Low", "Medium", "High"],
        consequence_labels=["Minor", "Serious", "Severe"],
        bands=[
            {"up_to": 2, "label": "Acceptable", "level": "low"},
            {"up_to": 5, "label": "Tolerable", "level": "medium"},
            {"up_to": 9, "label": "Intolerable", "level": "critical"},
        ],
        based_on=1,
        created_by=admin_user,
        note="Simpler grid",
    )
    assert (matrix.number, matrix.is_current) == (2, True)
    assert RiskMatrix.objects.get(number=1).is_current is False
    old.refresh_from_db()
    assert (old.matrix.number, old.inherent_score) == (1, 25)  # untouched
    new = make_risk(organisation, title="New", inherent_likelihood=2, inherent_consequence=3)
    assert (new.matrix, new.inherent_score, new.inherent_level) == (matrix, 6, "critical")
    # Editing the old risk re-scores it on version 2, where 5 is off the grid.
    with pytest.raises(ValidationError) as caught:
        services.risk_update(risk=Risk.objects.get(pk=old.pk), version=old.version, title="Renamed")
    assert "inherent_likelihood" in caught.value.message_dict
    updated = services.risk_update(
        risk=Risk.objects.get(pk=old.pk), version=old.version, inherent_likelihood=3, inherent_consequence=3
    )
    assert (updated.matrix.number, updated.inherent_score) == (2, 9)


def test_it_refuses_a_stale_or_invalid_matrix_change(organisation, admin_user):
    services.risk_matrix_current(organisation)
    before = snapshot()
    default = {
        "size": 4,
        "likelihood_labels": ["a", "b", "c", "d"],
        "consequence_labels": ["a", "b", "c", "d"],
        "created_by": admin_user,
        "organisation": organisation,
    }
    with pytest.raises(ValidationError, match="while you were editing"):
        services.risk_matrix_change(
            based_on=7, bands=[{"up_to": 16, "label": "All", "level": "low"}], **default
        )
    with pytest.raises(ValidationError) as caught:
        services.risk_matrix_change(
            based_on=1, bands=[{"up_to": 15, "label": "All", "level": "low"}], **default
        )
    assert "must end at the highest score, 16" in caught.value.message_dict["bands"][0]
    with pytest.raises(ValidationError) as caught:
        services.risk_matrix_change(
            based_on=1,
            bands=[{"up_to": 16, "label": "All", "level": "low"}],
            **{**default, "likelihood_labels": ["a"]},
        )
    assert "likelihood_labels" in caught.value.message_dict
    assert snapshot() == before


def test_it_moves_along_the_workflow(organisation, standards):
    risk = make_risk(organisation)
    with pytest.raises(ValidationError, match="choose a treatment and score the residual"):
        services.risk_transition(risk=risk, to="treated")
    risk = services.risk_update(
        risk=risk, version=risk.version, treatment="mitigate", residual_likelihood=2, residual_consequence=2
    )
    services.risk_transition(risk=risk, to="treated")
    services.risk_transition(risk=risk, to="closed")
    with pytest.raises(ValidationError, match="closed cannot become treated"):
        services.risk_transition(risk=risk, to="treated")
    services.risk_transition(risk=risk, to="open")
    messages = list(
        ObjectChange.objects.for_object(risk)
        .filter(action="transition")
        .order_by("id")
        .values_list("message", flat=True)
    )
    assert messages == ["Open → Treated", "Treated → Closed", "Closed → Open"]


@pytest.mark.parametrize(
    ("start", "to"), [("open", "open"), ("closed", "closed"), ("closed", "treated"), ("open", "gone")]
)
def test_it_refuses_illegal_steps_and_changes_nothing(organisation, standards, start, to):
    risk = make_risk(organisation)
    if start == "closed":
        services.risk_transition(risk=risk, to="closed")
    before = snapshot()
    with pytest.raises(ValidationError):
        services.risk_transition(risk=Risk.objects.get(pk=risk.pk), to=to)
    assert snapshot() == before


def test_it_refuses_a_stale_edit(organisation, standards):
    risk = make_risk(organisation)
    services.risk_update(risk=Risk.objects.get(pk=risk.pk), version=1, title="First edit")
    with pytest.raises(StaleEdit):
        services.risk_update(risk=Risk.objects.get(pk=risk.pk), version=1, title="Second edit")
    assert Risk.objects.get(pk=risk.pk).title == "First edit"


def test_it_raises_treatment_actions_and_guards_deletion(organisation, manager, standards):
    risk = make_risk(organisation)
    action = services.risk_action_raise(
        risk=risk,
        created_by=manager,
        title="Qualify a second foundry",
        owner=manager,
        due_date=datetime.date(2030, 1, 1),
    )
    assert action.source == risk and action.reference == "ACT-0001"
    with pytest.raises(ValidationError, match="1 action"):
        services.risk_delete(risk=risk)
    action_transition(action=action, to="cancelled")
    services.risk_delete(risk=risk)
    assert not Risk.objects.exists()
    closed = make_risk(organisation, title="Closed one")
    services.risk_transition(risk=closed, to="closed")
    with pytest.raises(ValidationError, match="reopen it"):
        services.risk_action_raise(risk=closed, created_by=manager, title="Too late")
    assert Action.objects.count() == 1


def test_it_needs_standards_loaded(organisation, standards):
    risk = make_risk(organisation, standards=[Standard.objects.get(code="ISO 14001")])
    assert [s.code for s in risk.standards.all()] == ["ISO 14001"]
