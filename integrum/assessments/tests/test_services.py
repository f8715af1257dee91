from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrum.actions.models import Action
from integrum.assessments.models import AssessmentItem
from integrum.assessments.selectors import readiness
from integrum.assessments.services import (
    action_from_gap,
    assessment_create,
    assessment_item_update,
    evidence_link_add,
)
from integrum.core.models import ObjectChange, StaleEdit
from integrum.standards.models import Clause, Standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(standards):
    return [Standard.objects.get(code="ISO 9001"), Standard.objects.get(code="ISO 14001")]


def item_for(assessment, standard_code, number):
    return AssessmentItem.objects.get(
        assessment=assessment, clauses__standard__code=standard_code, clauses__number=number
    )


def test_it_assesses_shared_clauses_once_in_integrated_mode(organisation, both):
    integrated = assessment_create(organisation=organisation, title="Both", standards=both, integrated=True)
    separate = assessment_create(organisation=organisation, title="Each", standards=both, integrated=False)
    leaves = Clause.objects.filter(standard__in=both, is_leaf=True).count()
    assert separate.items.count() == leaves
    shared = item_for(integrated, "ISO 9001", "4.1")
    assert sorted(c.reference for c in shared.clauses.all()) == ["ISO 14001:2015/4.1", "ISO 9001:2015/4.1"]
    assert integrated.items.count() < leaves


def test_it_never_merges_clashing_clauses(organisation, both):
    assessment = assessment_create(organisation=organisation, title="Both", standards=both)
    for number in ("8.2", "9.1.2", "6.1.2"):
        references = [c.reference for c in item_for(assessment, "ISO 14001", number).clauses.all()]
        assert references == [f"ISO 14001:2015/{number}"]


def test_a_shared_item_counts_for_both_standards(organisation, both):
    assessment = assessment_create(organisation=organisation, title="Both", standards=both)
    item = item_for(assessment, "ISO 9001", "4.1")
    assessment_item_update(item=item, version=item.version, status=AssessmentItem.Status.MET)
    rows = {row.standard.code: row for row in readiness(assessment)}
    assert rows["ISO 9001"].groups["4"].counts[AssessmentItem.Status.MET] == 1
    assert rows["ISO 14001"].groups["4"].counts[AssessmentItem.Status.MET] == 1


def test_readiness_scores_met_partly_and_leaves_out_not_applicable(organisation, both):
    assessment = assessment_create(organisation=organisation, title="Quality", standards=both[:1])
    items = list(assessment.items.filter(group="4").order_by("sort_key"))
    statuses = [AssessmentItem.Status.MET, AssessmentItem.Status.PARTLY_MET]
    for item, status in zip(items, statuses, strict=False):
        assessment_item_update(item=item, version=item.version, status=status)
    (row,) = readiness(assessment)
    assert row.groups["4"].percent == round(100 * 1.5 / len(items), 1)
    design = item_for(assessment, "ISO 9001", "8.3.1")
    before = row.groups["8"].applicable
    assessment_item_update(
        item=design, version=design.version, status="not_applicable", justification="No design."
    )
    (row,) = readiness(assessment)
    assert row.groups["8"].applicable == before - 1


def test_it_refuses_not_applicable_where_the_standard_allows_no_exclusion(organisation, both):
    assessment = assessment_create(organisation=organisation, title="Both", standards=both)
    item = item_for(assessment, "ISO 9001", "4.1")
    changes = ObjectChange.objects.count()
    with pytest.raises(ValidationError) as error:
        assessment_item_update(
            item=item, version=item.version, status="not_applicable", justification="We think so"
        )
    assert "cannot be declared not applicable" in error.value.message_dict["status"][0]
    assert AssessmentItem.objects.get(pk=item.pk).status == AssessmentItem.Status.NOT_ASSESSED
    assert ObjectChange.objects.count() == changes


def test_it_needs_a_justification_for_not_applicable(organisation, both):
    assessment = assessment_create(organisation=organisation, title="Quality", standards=both[:1])
    item = item_for(assessment, "ISO 9001", "8.3.1")
    with pytest.raises(ValidationError) as error:
        assessment_item_update(item=item, version=item.version, status="not_applicable", justification=" ")
    assert "justification" in error.value.message_dict


def test_it_refuses_an_unknown_status_and_a_stale_version(organisation, both):
    assessment = assessment_create(organisation=organisation, title="Quality", standards=both[:1])
    item = item_for(assessment, "ISO 9001", "4.1")
    with pytest.raises(ValidationError):
        assessment_item_update(item=item, version=item.version, status="sort_of")
    assessment_item_update(item=AssessmentItem.objects.get(pk=item.pk), version=1, status="met")
    with pytest.raises(StaleEdit):
        assessment_item_update(item=AssessmentItem.objects.get(pk=item.pk), version=1, status="not_met")
    assert AssessmentItem.objects.get(pk=item.pk).status == "met"


def test_it_raises_an_action_from_a_gap_and_links_evidence(organisation, other_organisation, both, manager):
    assessment = assessment_create(organisation=organisation, title="Quality", standards=both[:1])
    item = item_for(assessment, "ISO 9001", "7.2")
    action = action_from_gap(item=item, title="Build a training matrix", created_by=manager, owner=manager)
    assert action.source == item and list(Action.objects.raised_by(item)) == [action]
    link = evidence_link_add(item=item, target=action)
    assert link.label == str(action)
    with pytest.raises(ValidationError):
        evidence_link_add(item=item, target=action)
    foreign = Action.objects.create(
        organisation=other_organisation, number=1, reference="ACT-0001", title="Theirs"
    )
    with pytest.raises(ValidationError):
        evidence_link_add(item=item, target=foreign)


def test_it_refuses_an_assessment_without_standards(organisation):
    with pytest.raises(ValidationError):
        assessment_create(organisation=organisation, title="Nothing", standards=[])
