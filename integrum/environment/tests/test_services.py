"""Services: numbering, scoring history, method versions, obligations, evaluations and the action
a failed evaluation raises; refused input changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrum.actions.models import Action
from integrum.core.dates import add_months
from integrum.core.models import ObjectChange, Site
from integrum.environment import selectors, services
from integrum.environment.models import (
    Aspect,
    AspectAssessment,
    ComplianceEvaluation,
    ComplianceObligation,
    SignificanceMethod,
)
from integrum.environment.tests.factories import (
    DEFAULT_SCORES,
    HIGH_SCORES,
    days,
    make_aspect,
    make_obligation,
    scheduled,
)

pytestmark = pytest.mark.django_db


def counts():
    return (
        ObjectChange.objects.count(),
        Aspect.objects.count(),
        AspectAssessment.objects.count(),
        ComplianceObligation.objects.count(),
        ComplianceEvaluation.objects.count(),
        SignificanceMethod.objects.count(),
        Action.objects.count(),
    )


# --- Aspects and scoring ---------------------------------------------------------------------


def test_it_numbers_aspects_per_organisation(organisation, other_organisation):
    assert make_aspect(organisation).reference == "ASP-001"
    assert make_aspect(organisation, aspect="Noise").reference == "ASP-002"
    assert make_aspect(other_organisation).reference == "ASP-001"


def test_it_scores_with_the_current_method_and_keeps_earlier_scores(organisation, contributor):
    aspect = make_aspect(organisation)
    first = services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor)
    aspect.refresh_from_db()
    assert (first.total, first.significant, aspect.significant) == (Decimal(10), False, False)
    assert first.method.revision == 1 and first.method.name == "Five-criteria score"
    second = services.aspect_score(aspect, scores=HIGH_SCORES, user=contributor)
    aspect.refresh_from_db()
    assert (second.total, aspect.score, aspect.significant) == (Decimal(12), Decimal(12), True)
    assert list(aspect.assessments.values_list("total", flat=True)) == [Decimal(12), Decimal(10)]
    assert (
        ObjectChange.objects.for_object(aspect)
        .filter(message__contains="not significant → significant")
        .exists()
    )


def test_it_keeps_the_method_version_each_assessment_used(organisation, admin_user, contributor):
    aspect = make_aspect(organisation)
    old = services.aspect_score(aspect, scores=HIGH_SCORES, user=contributor)
    new_method = services.significance_method_revise(
        organisation=organisation, user=admin_user, based_on_revision=1, threshold=Decimal(15)
    )
    assert new_method.revision == 2
    again = services.aspect_score(aspect, scores=HIGH_SCORES, user=contributor)
    old.refresh_from_db()
    assert (old.method.revision, old.significant) == (1, True)
    assert (again.method.revision, again.significant) == (2, False)
    assert not SignificanceMethod.objects.get(revision=1).is_current
    aspect.refresh_from_db()
    assert not aspect.significant


def test_it_refuses_a_stale_method_edit_and_bad_criteria(organisation, admin_user):
    services.significance_method_current(organisation)
    services.significance_method_revise(
        organisation=organisation, user=admin_user, based_on_revision=1, name="B"
    )
    before = counts()
    with pytest.raises(ValidationError, match="newer version"):
        services.significance_method_revise(
            organisation=organisation, user=admin_user, based_on_revision=1, name="C"
        )
    for bad in (
        {"criteria": []},
        {"criteria": [{"key": "a", "label": "A", "scale_min": 5, "scale_max": 1}]},
        {"criteria": [{"key": "a", "label": "A", "scale_min": 1, "scale_max": 5}] * 2},
        {"criteria": [{"key": "A b", "label": "A", "scale_min": 1, "scale_max": 5}]},
        {"criteria": [{"key": "a", "label": "A", "scale_min": 1, "scale_max": 5, "weight": "-1"}]},
        {"emergency_criterion": "nonsense"},
        {"aggregation": "median"},
    ):
        with pytest.raises(ValidationError):
            services.significance_method_revise(organisation=organisation, user=admin_user, **bad)
    assert counts() == before


def test_it_makes_an_aspect_with_an_active_obligation_significant(organisation, contributor):
    obligation = make_obligation(organisation, contributor)
    aspect = make_aspect(organisation, obligations=[obligation])
    assessment = services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor)
    assert (assessment.significant, assessment.overridden_by_rule, assessment.above_threshold) == (
        True,
        "obligation",
        False,
    )
    services.obligation_transition(obligation=obligation, to="withdrawn")
    assert not services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor).significant


def test_it_makes_a_severe_emergency_significant(organisation, contributor):
    aspect = make_aspect(organisation, condition=Aspect.Condition.EMERGENCY)
    scores = {**DEFAULT_SCORES, "severity": 4, "probability": 1}
    assessment = services.aspect_score(aspect, scores=scores, user=contributor)
    assert (assessment.significant, assessment.overridden_by_rule) == (True, "emergency")


def test_a_manual_override_needs_a_reason_and_is_recorded(organisation, contributor):
    aspect = make_aspect(organisation)
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor, manual_significant=True)
    assert "manual_reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor, manual_reason="no verdict")
    assert counts() == before
    assessment = services.aspect_score(
        aspect,
        scores=DEFAULT_SCORES,
        user=contributor,
        manual_significant=True,
        manual_reason="Neighbours complain",
    )
    aspect.refresh_from_db()
    assert assessment.significant and not assessment.above_threshold and aspect.significant
    assert assessment.manual_reason == "Neighbours complain"


def test_bad_scores_change_nothing(organisation, contributor, other_organisation):
    aspect = make_aspect(organisation)
    before = counts()
    for scores in (
        {**DEFAULT_SCORES, "severity": 6},
        {**DEFAULT_SCORES, "severity": 0},
        {"severity": 3},
        {**DEFAULT_SCORES, "x": 1},
    ):
        with pytest.raises(ValidationError):
            services.aspect_score(aspect, scores=scores, user=contributor)
    foreign = services.significance_method_current(other_organisation)
    before = counts()
    with pytest.raises(ValidationError, match="own organisation"):
        services.aspect_score(aspect, scores=DEFAULT_SCORES, method=foreign, user=contributor)
    assert counts() == before
    aspect.refresh_from_db()
    assert aspect.assessed_at is None


def test_it_refuses_foreign_sites_owners_and_obligations(organisation, other_organisation, outsider):
    foreign_site = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    foreign_obligation = make_obligation(other_organisation)
    before = counts()
    for bad in ({"sites": [foreign_site]}, {"owner": outsider}, {"obligations": [foreign_obligation]}):
        with pytest.raises(ValidationError):
            make_aspect(organisation, **bad)
    assert counts() == before


def test_it_refuses_a_stale_aspect_edit(organisation):
    from integrum.core.models import StaleEdit

    aspect = make_aspect(organisation)
    services.aspect_update(instance=Aspect.objects.get(pk=aspect.pk), version=1, impact="Smog")
    with pytest.raises(StaleEdit):
        services.aspect_update(instance=Aspect.objects.get(pk=aspect.pk), version=1, impact="Other")
    assert Aspect.objects.get(pk=aspect.pk).impact == "Smog"


# --- Obligations and evaluations -------------------------------------------------------------


def test_an_obligation_schedules_its_first_evaluation(organisation, contributor):
    obligation = make_obligation(organisation, contributor, evaluation_frequency_months=6)
    assert obligation.reference == "OBL-001"
    evaluation = scheduled(obligation)
    assert evaluation.reference == "EVAL-001"
    assert evaluation.due_date == add_months(timezone.localdate(), 6)
    assert evaluation.evaluator == contributor


@pytest.mark.parametrize("months", [0, 121, -1])
def test_it_refuses_a_bad_frequency(organisation, months):
    before = counts()
    with pytest.raises(ValidationError):
        make_obligation(organisation, evaluation_frequency_months=months)
    assert counts() == before


def test_add_months_clamps_to_the_month_end():
    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2024, 11, 30), 3) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2024, 1, 15), 24) == datetime.date(2026, 1, 15)


def test_completing_schedules_the_next_evaluation(organisation, contributor):
    obligation = make_obligation(organisation, contributor, evaluation_frequency_months=3)
    evaluation = scheduled(obligation)
    on = timezone.localdate() - days(2)
    done = services.evaluation_complete(
        evaluation=evaluation,
        result="compliant",
        evidence="Permit conditions met",
        user=contributor,
        evaluated_on=on,
    )
    assert (done.status, done.result, done.next_due_date) == (
        "completed",
        "compliant",
        add_months(on, 3),
    )
    following = scheduled(obligation)
    assert following.due_date == done.next_due_date and following.pk != done.pk
    assert not Action.objects.exists()
    assert ObjectChange.objects.for_object(done).filter(message="Scheduled → Completed (compliant)").exists()


@pytest.mark.parametrize("result", ["partly", "not_compliant"])
def test_a_failed_evaluation_raises_a_high_priority_action_at_once(
    organisation, contributor, manager, result
):
    obligation = make_obligation(organisation, manager)
    evaluation = scheduled(obligation)
    services.evaluation_complete(
        evaluation=evaluation, result=result, evidence="Emission limit exceeded", user=contributor
    )
    action = Action.objects.get()
    assert action.owner == manager
    assert action.priority == Action.Priority.HIGH
    assert action.due_date == timezone.localdate() + days(30)
    assert action.source == ComplianceEvaluation.objects.get(pk=evaluation.pk)
    assert obligation.reference in action.title


def test_not_applicable_raises_no_action(organisation, contributor):
    obligation = make_obligation(organisation, contributor)
    services.evaluation_complete(
        evaluation=scheduled(obligation), result="not_applicable", evidence="Plant idle", user=contributor
    )
    assert not Action.objects.exists()


def test_an_evaluation_completes_once_and_bad_input_changes_nothing(organisation, contributor, outsider):
    obligation = make_obligation(organisation, contributor)
    evaluation = scheduled(obligation)
    before = counts()
    for bad in (
        {"result": "fine", "evidence": "x"},
        {"result": "compliant", "evidence": "  "},
        {"result": "compliant", "evidence": "x", "evaluated_on": timezone.localdate() + days(1)},
        {"result": "compliant", "evidence": "x", "evaluator": outsider},
    ):
        with pytest.raises(ValidationError):
            services.evaluation_complete(evaluation=evaluation, user=contributor, **bad)
    assert counts() == before
    services.evaluation_complete(evaluation=evaluation, result="compliant", evidence="ok", user=contributor)
    before = counts()
    with pytest.raises(ValidationError, match="already completed"):
        services.evaluation_complete(
            evaluation=evaluation, result="not_compliant", evidence="x", user=contributor
        )
    assert counts() == before


def test_obligation_transitions(organisation, contributor):
    obligation = make_obligation(organisation, contributor)
    with pytest.raises(ValidationError):
        services.obligation_transition(obligation=obligation, to="active")
    with pytest.raises(ValidationError):
        services.obligation_transition(obligation=obligation, to="archived")
    services.obligation_transition(obligation=obligation, to="withdrawn")
    assert ObjectChange.objects.for_object(obligation).filter(message="Active → Withdrawn").exists()
    assert not selectors.evaluations_due_for(contributor, organisation, within_days=400).exists()
    services.obligation_transition(obligation=obligation, to="active")
    assert obligation.evaluations.filter(status="scheduled").count() == 1


def test_an_evaluated_obligation_cannot_be_deleted(organisation, contributor):
    obligation = make_obligation(organisation, contributor)
    services.evaluation_complete(
        evaluation=scheduled(obligation), result="compliant", evidence="ok", user=contributor
    )
    with pytest.raises(ValidationError, match="withdraw it instead"):
        services.obligation_delete(obligation=obligation)
    with pytest.raises(ValidationError):
        services.evaluation_delete(evaluation=obligation.evaluations.get(status="completed"))
    fresh = make_obligation(organisation, contributor, title="Other")
    services.obligation_delete(obligation=fresh)
    assert not ComplianceObligation.objects.filter(pk=fresh.pk).exists()


def test_the_selectors_find_due_and_overdue_evaluations(organisation, contributor, manager, count_queries):
    mine = make_obligation(organisation, contributor, first_evaluation_due=timezone.localdate() - days(1))
    make_obligation(
        organisation, manager, title="Not mine", first_evaluation_due=timezone.localdate() + days(5)
    )
    make_obligation(
        organisation, contributor, title="Later", first_evaluation_due=timezone.localdate() + days(90)
    )
    due = list(selectors.evaluations_due_for(contributor, organisation))
    assert [e.obligation for e in due] == [mine]
    assert [e.obligation.title for e in selectors.overdue_evaluations(organisation)] == [mine.title]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        [
            e.obligation.reference
            for e in selectors.evaluations_due_for(contributor, organisation, within_days=400)
        ]
    make_obligation(organisation, contributor, title="More", first_evaluation_due=timezone.localdate())
    with CaptureQueriesContext(connection) as second:
        [
            e.obligation.reference
            for e in selectors.evaluations_due_for(contributor, organisation, within_days=400)
        ]
    assert len(first) == len(second)
