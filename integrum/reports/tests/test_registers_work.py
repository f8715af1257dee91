"""The planning registers in "my work", on the home page and in the gap analysis."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from integrum.assessments.services import assessment_create
from integrum.context.services import climate_determination_set
from integrum.environment.services import obligation_create
from integrum.risks.services import risk_create
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


def test_my_work_lists_risk_reviews_and_evaluations_that_are_due(
    as_contributor, organisation, contributor, standards
):
    risk = risk_create(
        organisation=organisation,
        created_by=contributor,
        title="Foundry sand contaminates the yard drain",
        inherent_likelihood=3,
        inherent_consequence=4,
        standards=list(Standard.objects.all()),
        owner=contributor,
        review_date=YESTERDAY,
    )
    obligation = obligation_create(
        organisation=organisation,
        title="Trade effluent consent",
        owner=contributor,
        first_evaluation_due=YESTERDAY,
    )
    body = as_contributor.get(reverse("reports:my_work")).content.decode()
    assert risk.reference in body and obligation.title in body
    home = as_contributor.get(reverse("reports:home"))
    assert home.context["headlines"].evaluations_overdue == 1


def test_outsiders_see_none_of_them(as_outsider, organisation, contributor):
    obligation_create(
        organisation=organisation,
        title="Trade effluent consent",
        owner=contributor,
        first_evaluation_due=YESTERDAY,
    )
    assert as_outsider.get(reverse("reports:home")).context["headlines"].evaluations_overdue == 0
    assert "Trade effluent" not in as_outsider.get(reverse("reports:my_work")).content.decode()


def test_the_missing_climate_determination_is_flagged_until_recorded(
    as_manager, organisation, manager, standards
):
    assessment = assessment_create(
        organisation=organisation, title="Gaps", standards=list(Standard.objects.all())
    )
    assert "Amendment 1:2024" in as_manager.get(assessment.get_absolute_url()).content.decode()
    assert "has not yet recorded" in as_manager.get(reverse("reports:home")).content.decode()
    climate_determination_set(
        organisation=organisation,
        relevant=True,
        rationale="Heat waves stop the melt shop.",
        decided_by=manager,
    )
    assert "Amendment 1:2024" not in as_manager.get(assessment.get_absolute_url()).content.decode()
    assert "has not yet recorded" not in as_manager.get(reverse("reports:home")).content.decode()
