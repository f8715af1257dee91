"""The environment pages for every persona, bad input, exports, the requirement → obligation step
and query-count guards."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from integrum.actions.models import Action
from integrum.core.dates import add_months
from integrum.core.models import Attachment, ObjectChange
from integrum.environment import services
from integrum.environment.models import (
    Aspect,
    AspectAssessment,
    ComplianceEvaluation,
    ComplianceObligation,
    SignificanceMethod,
)
from integrum.environment.tests.factories import DEFAULT_SCORES, days, make_aspect, make_obligation, scheduled

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"environment:{name}", args=args)


def body(response):
    return response.content.decode()


def score_post(scores, **extra):
    return {**{f"score_{k}": v for k, v in scores.items()}, **extra}


@pytest.fixture
def aspect(organisation):
    services.significance_method_current(organisation)  # the default method, set up on first use
    return make_aspect(organisation)


@pytest.fixture
def obligation(organisation, contributor):
    return make_obligation(organisation, contributor)


@pytest.fixture
def evaluation(obligation):
    return scheduled(obligation)


@pytest.fixture
def requirement(organisation):
    from integrum.context.models import InterestedParty, PartyRequirement

    party = InterestedParty.objects.create(
        organisation=organisation,
        number=1,
        reference="IP-001",
        name="Environment Agency",
        origin="external",
        kind="regulator",
    )
    return PartyRequirement.objects.create(
        organisation=organisation,
        party=party,
        text="Report solvent use every year",
        adopted=True,
        becomes_obligation=True,
    )


# --- Reading ---------------------------------------------------------------------------------


def test_it_shows_every_register_to_a_viewer(as_viewer, aspect, obligation, evaluation):
    for name, text in (
        ("aspect_list", aspect.reference),
        ("aspect_significant", "Significant aspects"),
        ("obligation_list", obligation.reference),
        ("evaluation_list", evaluation.reference),
        ("method_current", "Five-criteria score"),
    ):
        response = as_viewer.get(url(name))
        assert response.status_code == 200, name
        assert text in body(response)
    for page, text in (
        (aspect, "Not scored"),
        (obligation, evaluation.reference),
        (evaluation, obligation.reference),
    ):
        response = as_viewer.get(page.get_absolute_url())
        assert response.status_code == 200
        assert text in body(response)
    html = body(as_viewer.get(aspect.get_absolute_url()))
    assert "Save the score" not in html and "Delete" not in html


def test_the_menu_lists_the_pages_with_their_clauses(as_viewer):
    html = body(as_viewer.get(url("aspect_list")))
    for label, clause in (
        ("Aspects &amp; impacts", "6.1.2"),
        ("Compliance obligations", "6.1.3"),
        ("Evaluation of compliance", "9.1.2"),
    ):
        assert label in html and clause in html


def test_an_outsider_sees_nothing(as_outsider, aspect, obligation, evaluation):
    for record in (aspect, obligation, evaluation):
        assert as_outsider.get(record.get_absolute_url()).status_code == 404
    assert aspect.reference not in body(as_outsider.get(url("aspect_list")))
    assert obligation.reference not in body(as_outsider.get(url("obligation_list")))
    assert evaluation.reference not in body(as_outsider.get(url("evaluation_list")))
    before = ObjectChange.objects.count()
    assert as_outsider.post(url("aspect_score", aspect.pk), score_post(DEFAULT_SCORES)).status_code == 404
    assert as_outsider.post(url("evaluation_complete", evaluation.pk), {}).status_code == 404
    assert as_outsider.post(url("obligation_delete", obligation.pk)).status_code == 404
    assert ObjectChange.objects.count() == before


def test_the_lists_filter_and_sort(as_viewer, organisation, contributor):
    low = make_aspect(organisation, aspect="Noise")
    high = make_aspect(organisation, aspect="Spill", condition="emergency")
    services.aspect_score(low, scores=DEFAULT_SCORES, user=contributor)
    services.aspect_score(high, scores={**DEFAULT_SCORES, "severity": 5}, user=contributor)
    html = body(as_viewer.get(url("aspect_list"), {"significant": "true"}))
    assert high.reference in html and low.reference not in html
    html = body(as_viewer.get(url("aspect_list"), {"ordering": "-score"}))
    assert html.index(high.reference) < html.index(low.reference)
    html = body(as_viewer.get(url("aspect_list"), {"condition": "emergency"}))
    assert high.reference in html and low.reference not in html
    html = body(as_viewer.get(url("aspect_significant")))
    assert high.reference in html and low.reference not in html
    assert as_viewer.get(url("aspect_list"), {"obligation": "x"}).status_code == 200


def test_the_exports_follow_the_filters(as_viewer, organisation, obligation):
    make_aspect(organisation, aspect="Noise")
    make_aspect(organisation, aspect="Spill", obligations=[obligation])
    response = as_viewer.get(url("aspect_list"), {"export": "csv", "q": "spill"})
    text = response.content.decode("utf-8-sig")
    assert "Reference,Activity,Aspect" in text and "Spill" in text and "Noise" not in text
    assert obligation.reference in text
    response = as_viewer.get(url("obligation_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:2] == [obligation.reference, obligation.title]
    response = as_viewer.get(url("evaluation_list"), {"export": "csv"})
    assert obligation.reference in response.content.decode("utf-8-sig")


# --- Writing ---------------------------------------------------------------------------------


def test_a_contributor_registers_and_edits_an_aspect(as_contributor, contributor, sites, obligation):
    response = as_contributor.post(
        url("aspect_create"),
        {
            "activity": "Painting",
            "aspect": "VOC emissions",
            "impact": "Smog",
            "impact_type": "adverse",
            "condition": "normal",
            "lifecycle_stage": "production",
            "control": "control",
            "obligations": [obligation.pk],
            "sites": [sites[0].pk],
            "owner": contributor.pk,
            "version": 1,
        },
    )
    assert response.status_code == 302
    aspect = Aspect.objects.get()
    assert (aspect.reference, list(aspect.obligations.all()), list(aspect.sites.all())) == (
        "ASP-001",
        [obligation],
        [sites[0]],
    )
    data = {
        "activity": "Painting",
        "aspect": "VOC emissions",
        "impact": "Ozone",
        "impact_type": "adverse",
        "condition": "normal",
        "lifecycle_stage": "use",
        "control": "influence",
        "version": 1,
    }
    assert as_contributor.post(url("aspect_update", aspect.pk), data).status_code == 302
    assert (
        as_contributor.post(url("aspect_update", aspect.pk), {**data, "impact": "stale"}).status_code == 400
    )
    aspect.refresh_from_db()
    assert (aspect.impact, aspect.lifecycle_stage) == ("Ozone", "use")


def test_bad_aspect_input_is_refused(as_contributor, outsider):
    before = ObjectChange.objects.count()
    response = as_contributor.post(
        url("aspect_create"),
        {"activity": "", "aspect": "x", "impact": "y", "condition": "flood", "owner": outsider.pk},
    )
    assert response.status_code == 400
    assert not Aspect.objects.exists() and ObjectChange.objects.count() == before


def test_scoring_on_the_page_marks_an_aspect_significant(as_contributor, aspect):
    response = as_contributor.post(
        url("aspect_score", aspect.pk), score_post({**DEFAULT_SCORES, "severity": 4})
    )
    assert response.status_code == 302
    aspect.refresh_from_db()
    assert aspect.significant and aspect.score == Decimal(12)
    html = body(as_contributor.get(aspect.get_absolute_url()))
    assert "Significant" in html and "Five-criteria score v1" in html


def test_bad_scores_on_the_page_change_nothing(as_contributor, aspect):
    before = (ObjectChange.objects.count(), AspectAssessment.objects.count())
    for data in (
        score_post({**DEFAULT_SCORES, "severity": 9}),
        score_post({**DEFAULT_SCORES, "severity": "high"}),
        score_post(DEFAULT_SCORES, override="yes", reason=""),
    ):
        response = as_contributor.post(url("aspect_score", aspect.pk), data)
        assert response.status_code == 400
    assert "Say why you override" in body(response)
    assert (ObjectChange.objects.count(), AspectAssessment.objects.count()) == before
    response = as_contributor.post(
        url("aspect_score", aspect.pk), score_post(DEFAULT_SCORES, override="yes", reason="Complaints")
    )
    assert response.status_code == 302
    assert Aspect.objects.get(pk=aspect.pk).significant


def test_a_viewer_cannot_write(as_viewer, aspect, obligation, evaluation):
    before = ObjectChange.objects.count()
    assert as_viewer.get(url("aspect_create")).status_code == 403
    assert as_viewer.post(url("aspect_score", aspect.pk), score_post(DEFAULT_SCORES)).status_code == 403
    assert as_viewer.post(url("obligation_create"), {"title": "x"}).status_code == 403
    assert (
        as_viewer.post(url("evaluation_complete", evaluation.pk), {"result": "compliant"}).status_code == 403
    )
    assert as_viewer.get(url("aspect_import")).status_code == 403
    assert ObjectChange.objects.count() == before


def test_only_managers_delete(as_contributor, as_manager, aspect, evaluation):
    assert as_contributor.post(url("aspect_delete", aspect.pk)).status_code == 403
    assert as_contributor.post(url("evaluation_delete", evaluation.pk)).status_code == 403
    assert as_manager.post(url("aspect_delete", aspect.pk)).status_code == 302
    assert not Aspect.objects.exists()
    assert as_manager.post(url("evaluation_delete", evaluation.pk)).status_code == 302


def test_only_administrators_write_a_method_version(as_manager, as_admin, organisation):
    assert as_manager.get(url("method_revise")).status_code == 403
    response = as_admin.get(url("method_revise"))
    assert response.status_code == 200 and "severity | Severity of the impact | 1 | 5" in body(response)
    data = {
        "name": "Three criteria",
        "criteria": "severity | Severity | 1 | 5 | 2\nprobability | Probability | 1 | 5",
        "aggregation": "product",
        "threshold": "20",
        "obligation_override": "on",
        "emergency_criterion": "severity",
        "emergency_min": "4",
        "based_on": "1",
    }
    assert as_admin.post(url("method_revise"), data).status_code == 302
    method = SignificanceMethod.objects.get(organisation=organisation, is_current=True)
    assert (method.revision, method.aggregation, method.criteria[0]["weight"]) == (2, "product", "2")
    bad = as_admin.post(url("method_revise"), {**data, "based_on": "1"})
    assert bad.status_code == 400 and "newer version" in body(bad)
    bad = as_admin.post(url("method_revise"), {**data, "based_on": "2", "criteria": "severity | S | 5"})
    assert bad.status_code == 400
    assert SignificanceMethod.objects.filter(organisation=organisation).count() == 2


def test_an_obligation_is_registered_withdrawn_and_reinstated(as_contributor, as_manager, contributor):
    response = as_contributor.post(
        url("obligation_create"),
        {
            "title": "Waste carrier duty",
            "kind": "legal",
            "source_reference": "EPA 1990 s.34",
            "owner": contributor.pk,
            "evaluation_frequency_months": 6,
            "version": 1,
        },
    )
    assert response.status_code == 302
    obligation = ComplianceObligation.objects.get()
    assert scheduled(obligation).due_date == add_months(timezone.localdate(), 6)
    bad = as_contributor.post(
        url("obligation_create"),
        {
            "title": "x",
            "kind": "legal",
            "owner": contributor.pk,
            "evaluation_frequency_months": 0,
            "version": 1,
        },
    )
    assert bad.status_code == 400
    assert (
        as_contributor.post(url("obligation_transition", obligation.pk), {"to": "withdrawn"}).status_code
        == 403
    )
    as_manager.post(url("obligation_transition", obligation.pk), {"to": "withdrawn"})
    obligation.refresh_from_db()
    assert obligation.status == "withdrawn"
    as_manager.post(url("obligation_transition", obligation.pk), {"to": "withdrawn"})
    assert ComplianceObligation.objects.get().status == "withdrawn"


def test_a_failed_evaluation_on_the_page_raises_an_action(
    as_contributor, evaluation, obligation, contributor
):
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = as_contributor.post(
        url("evaluation_complete", evaluation.pk),
        {
            "result": "not_compliant",
            "evidence": "Limit exceeded in May",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluator": contributor.pk,
            "attachment": pdf,
        },
    )
    assert response.status_code == 302, body(response)
    evaluation.refresh_from_db()
    assert evaluation.status == "completed"
    action = Action.objects.get()
    assert (action.priority, action.owner) == ("high", obligation.owner)
    html = body(as_contributor.get(evaluation.get_absolute_url()))
    assert action.reference in html and "report.pdf" in html
    attachment = Attachment.objects.get()
    assert as_contributor.get(reverse("core:attachment_download", args=[attachment.pk])).status_code == 200


def test_a_bad_evaluation_changes_nothing(as_contributor, evaluation, contributor):
    before = (ObjectChange.objects.count(), Action.objects.count(), ComplianceEvaluation.objects.count())
    exe = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    for data in (
        {
            "result": "maybe",
            "evidence": "x",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluator": contributor.pk,
        },
        {
            "result": "compliant",
            "evidence": "",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluator": contributor.pk,
        },
        {
            "result": "compliant",
            "evidence": "x",
            "evaluated_on": (timezone.localdate() + days(3)).isoformat(),
            "evaluator": contributor.pk,
        },
        {
            "result": "not_compliant",
            "evidence": "x",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluator": contributor.pk,
            "attachment": exe,
        },
    ):
        assert as_contributor.post(url("evaluation_complete", evaluation.pk), data).status_code == 400
    assert (
        ObjectChange.objects.count(),
        Action.objects.count(),
        ComplianceEvaluation.objects.count(),
    ) == before
    assert ComplianceEvaluation.objects.get(pk=evaluation.pk).status == "scheduled"


# --- Interested party requirement → obligation -----------------------------------------------


def test_one_step_turns_an_adopted_requirement_into_an_obligation(
    as_contributor, as_viewer, requirement, contributor
):
    target = url("obligation_from_requirement", requirement.pk)
    assert as_viewer.post(target).status_code == 403
    assert as_contributor.get(target).status_code == 405
    response = as_contributor.post(target)
    obligation = ComplianceObligation.objects.get()
    assert response.url == obligation.get_absolute_url()
    assert (obligation.origin, obligation.kind, obligation.owner) == (requirement, "other", contributor)
    assert obligation.issuer == "Environment Agency"
    assert scheduled(obligation)
    again = as_contributor.post(target)
    assert again.status_code == 302 and ComplianceObligation.objects.count() == 1
    from integrum.core.relations import related_to

    related = related_to(requirement.party, contributor)
    assert [item.record for item in related if item.label == "Compliance obligation"] == [obligation]


def test_a_requirement_not_adopted_or_foreign_is_refused(as_contributor, as_outsider, requirement):
    from integrum.context.models import PartyRequirement

    PartyRequirement.objects.filter(pk=requirement.pk).update(adopted=False)
    as_contributor.post(url("obligation_from_requirement", requirement.pk))
    PartyRequirement.objects.filter(pk=requirement.pk).update(adopted=True, becomes_obligation=False)
    as_contributor.post(url("obligation_from_requirement", requirement.pk))
    assert not ComplianceObligation.objects.exists()
    assert as_outsider.post(url("obligation_from_requirement", requirement.pk)).status_code == 404
    assert as_contributor.post(url("obligation_from_requirement", 999999)).status_code == 404


# --- Query counts ----------------------------------------------------------------------------


def _grow(organisation, contributor, n):
    for i in range(n):
        obligation = make_obligation(organisation, contributor, title=f"Obligation {i}")
        aspect = make_aspect(organisation, aspect=f"Aspect {i}", obligations=[obligation])
        services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor)


@pytest.mark.parametrize("name", ["aspect_list", "aspect_significant", "obligation_list", "evaluation_list"])
def test_list_pages_cost_the_same_for_few_and_many_rows(
    as_viewer, organisation, contributor, count_queries, sites, name
):
    _grow(organisation, contributor, 2)
    few = count_queries(lambda: as_viewer.get(url(name)))
    _grow(organisation, contributor, 6)
    many = count_queries(lambda: as_viewer.get(url(name)))
    assert few == many


def test_evidence_reaches_the_iso14001_clauses_without_links(organisation, contributor, viewer, standards):
    from integrum.standards.evidence import records_for_clauses
    from integrum.standards.models import Clause

    obligation = make_obligation(organisation, contributor)
    aspect = make_aspect(organisation, obligations=[obligation])
    services.aspect_score(aspect, scores=DEFAULT_SCORES, user=contributor)
    services.evaluation_complete(
        evaluation=scheduled(obligation), result="compliant", evidence="ok", user=contributor
    )
    clauses = {
        c.number: c.pk
        for c in Clause.objects.filter(standard__code="ISO 14001", number__in=["6.1.2", "6.1.3", "9.1.2"])
    }
    quality_612 = Clause.objects.get(standard__code="ISO 9001", number="6.1.2")
    found = records_for_clauses(viewer, organisation, [*clauses.values(), quality_612.pk])
    assert any("Significant aspects: 1" in r.label for r in found[clauses["6.1.2"]])
    assert [r.reference for r in found[clauses["6.1.3"]]] == [obligation.reference]
    assert any(r.covers == "retain" and r.effective for r in found[clauses["9.1.2"]])
    assert not [r for r in found.get(quality_612.pk, []) if r.reference.startswith(("ASP", "OBL"))]
