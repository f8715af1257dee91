"""The review pages for every persona: list, form, detail with coverage and inputs, minutes
edited in place (htmx and plain POST), outputs, signature, cancel, delete, PDF, query guards."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from integrum.actions.models import Action
from integrum.conftest import PASSWORD
from integrum.core.models import ObjectChange
from integrum.reviews import services
from integrum.reviews.models import ManagementReview, ReviewInput, ReviewOutput
from integrum.reviews.tests.builders import both_standards, make_nc, make_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

S = ManagementReview.Status
TODAY = dt.datetime(2025, 7, 2, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(name, *args):
    return reverse(f"reviews:{name}", args=args)


def body(response):
    return response.content.decode()


@pytest.fixture
def review(organisation, manager):
    return make_review(organisation, chair=manager)


@pytest.fixture
def compiled_review(review):
    services.review_compile(review=review)
    review.refresh_from_db()
    return review


def test_list_and_detail_for_a_viewer(as_viewer, compiled_review):
    page = as_viewer.get(url("review_list"))
    assert page.status_code == 200 and "MR-0001" in body(page)
    assert "Plan a review" not in body(page)
    detail = as_viewer.get(compiled_review.get_absolute_url())
    text = body(detail)
    assert detail.status_code == 200
    assert "Coverage of the required inputs" in text and "9.3.2 a)" in text and "9.3 b) 3)" in text
    assert "Status of actions from previous reviews" in text
    assert "Refresh inputs" not in text and "<textarea" not in text and "Record decision" not in text


def test_empty_list_explains_the_clause(as_contributor):
    text = body(as_contributor.get(url("review_list")))
    assert "No management review yet" in text and "Plan a review" in text


def test_the_menu_lists_the_review(as_viewer):
    assert "Management review" in body(as_viewer.get(url("review_list")))


def test_outsider_gets_404_everywhere(as_outsider, compiled_review, manager):
    output = services.output_create(review=compiled_review, kind="change", decision="x", created_by=manager)
    item = compiled_review.inputs.first()
    pk = compiled_review.pk
    for path in (url("review_detail", pk), url("review_update", pk), url("review_pdf", pk)):
        assert as_outsider.get(path).status_code == 404
    for path in (
        url("review_compile", pk),
        url("review_sign", pk),
        url("review_cancel", pk),
        url("review_delete", pk),
        url("output_create", pk),
        url("output_delete", pk, output.pk),
        url("input_update", item.pk),
    ):
        assert as_outsider.post(path, {"password": PASSWORD}).status_code == 404
    compiled_review.refresh_from_db()
    assert compiled_review.status == S.COMPILED and ReviewOutput.objects.count() == 1


def test_outsider_with_own_membership_gets_404(as_outsider, compiled_review):
    # The outsider is a member of another organisation: the record is not visible to them.
    assert as_outsider.get(url("review_detail", compiled_review.pk)).status_code == 404
    assert as_outsider.post(url("review_compile", compiled_review.pk)).status_code == 404


def test_viewer_cannot_write(as_viewer, compiled_review):
    item = compiled_review.inputs.first()
    pk = compiled_review.pk
    assert as_viewer.get(url("review_create")).status_code == 403
    for path, data in (
        (url("review_compile", pk), {}),
        (url("output_create", pk), {"kind": "change", "decision": "x", "priority": "medium"}),
        (url("input_update", item.pk), {"minutes": "x", "version": item.version}),
        (url("review_cancel", pk), {}),
    ):
        assert as_viewer.post(path, data).status_code == 403
    item.refresh_from_db()
    assert item.minutes == "" and ReviewOutput.objects.count() == 0


def test_plan_a_review_through_the_form(as_contributor, contributor):
    standards = both_standards()
    response = as_contributor.post(
        url("review_create"),
        {
            "title": "Management review 2025",
            "standards": [s.pk for s in standards],
            "scheduled_for": "2025-07-15",
            "chair": contributor.pk,
            "attendees": [contributor.pk],
            "other_attendees": "External consultant",
            "version": 1,
        },
    )
    assert response.status_code == 302
    review = ManagementReview.objects.get()
    assert review.period_start == dt.date(2024, 7, 15) and review.period_end == dt.date(2025, 7, 15)


def test_a_bad_form_creates_nothing(as_contributor):
    response = as_contributor.post(
        url("review_create"),
        {
            "title": "x",
            "scheduled_for": "2025-07-15",
            "period_start": "2025-08-01",
            "period_end": "2025-07-01",
        },
    )
    assert response.status_code == 400
    assert ManagementReview.objects.count() == 0


def test_compile_minutes_in_place_outputs_and_sign(as_manager, manager, review, organisation):
    make_nc(organisation, dt.date(2025, 3, 1))
    assert as_manager.post(url("review_compile", review.pk)).status_code == 302
    review.refresh_from_db()
    assert review.status == S.COMPILED
    text = body(as_manager.get(review.get_absolute_url()))
    assert "1 nonconformity detected" in text and "Refresh inputs" in text
    item = review.inputs.get(key="nonconformities")
    # htmx: the section comes back alone, marked covered.
    response = as_manager.post(
        url("input_update", item.pk),
        {"minutes": "Trend is down.", "version": item.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="input-nonconformities"' in body(response) and "✓ Covered" in body(response)
    # A stale version is refused and the typed text is kept in the form.
    stale = as_manager.post(
        url("input_update", item.pk),
        {"minutes": "Other text", "version": item.version},
        HTTP_HX_REQUEST="true",
    )
    assert stale.status_code == 409 and "Other text" in body(stale)
    item.refresh_from_db()
    assert item.minutes == "Trend is down."
    # Plain POST fallback.
    resources = review.inputs.get(key="resources")
    response = as_manager.post(
        url("input_update", resources.pk), {"minutes": "Enough.", "manual": "Two new hires.", "version": 1}
    )
    assert response.status_code == 302 and response["Location"].endswith("#input-resources")
    resources.refresh_from_db()
    assert (resources.minutes, resources.manual) == ("Enough.", "Two new hires.")
    # A decision raises an action.
    response = as_manager.post(
        url("output_create", review.pk),
        {
            "kind": "improvement",
            "decision": "Automate the porosity check",
            "input_key": "nonconformities",
            "owner": manager.pk,
            "due_date": "2025-10-01",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    output = ReviewOutput.objects.get()
    assert output.action.priority == Action.Priority.HIGH
    assert "Automate the porosity check" in body(as_manager.get(review.get_absolute_url()))
    # Sign after the meeting details are in.
    review.refresh_from_db()
    services.review_update(
        review=review,
        version=review.version,
        held_on=dt.date(2025, 7, 1),
        conclusions="Effective.",
        attendees=[manager],
    )
    text = body(as_manager.get(review.get_absolute_url()))
    assert "not covered: see the coverage panel" in text
    as_manager.post(url("review_sign", review.pk), {"password": "wrong"})
    review.refresh_from_db()
    assert review.status == S.COMPILED
    as_manager.post(url("review_sign", review.pk), {"password": PASSWORD})
    review.refresh_from_db()
    assert review.status == S.SIGNED
    text = body(as_manager.get(review.get_absolute_url()))
    assert "Refresh inputs" not in text and "<textarea" not in text and "Signed" in text


def test_contributor_who_is_not_chair_cannot_sign(as_contributor, compiled_review, manager):
    services.review_update(
        review=compiled_review,
        version=compiled_review.version,
        held_on=dt.date(2025, 7, 1),
        conclusions="Ok.",
        attendees=[manager],
    )
    text = body(as_contributor.get(compiled_review.get_absolute_url()))
    assert "The chair" in text and 'name="password"' not in text
    as_contributor.post(url("review_sign", compiled_review.pk), {"password": PASSWORD})
    compiled_review.refresh_from_db()
    assert compiled_review.status == S.COMPILED


def test_cancel_needs_a_manager_and_is_logged(as_contributor, as_manager, compiled_review):
    assert as_contributor.post(url("review_cancel", compiled_review.pk), {"reason": "x"}).status_code == 403
    as_manager.post(url("review_cancel", compiled_review.pk), {"reason": "Merged"})
    compiled_review.refresh_from_db()
    assert compiled_review.status == S.CANCELLED
    assert (
        ObjectChange.objects.for_object(compiled_review)
        .filter(message="Inputs compiled → Cancelled: Merged")
        .exists()
    )


def test_delete_only_when_planned(as_manager, review, organisation):
    compiled = make_review(organisation, title="Compiled")
    services.review_compile(review=compiled)
    as_manager.post(url("review_delete", compiled.pk))
    assert ManagementReview.objects.filter(pk=compiled.pk).exists()
    assert as_manager.post(url("review_delete", review.pk)).status_code == 302
    assert not ManagementReview.objects.filter(pk=review.pk).exists()


def test_withdraw_a_decision(as_contributor, compiled_review, manager):
    output = services.output_create(
        review=compiled_review, kind="change", decision="Revise the scope", created_by=manager
    )
    as_contributor.post(url("output_delete", compiled_review.pk, output.pk))
    assert ReviewOutput.objects.count() == 0
    assert Action.objects.get().status == Action.Status.CANCELLED


def test_pdf_is_a_pdf(as_viewer, compiled_review):
    response = as_viewer.get(url("review_pdf", compiled_review.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_clause_page_evidence_lists_the_review(viewer, organisation, compiled_review):
    from integrum.reviews.evidence import records_for_clauses
    from integrum.standards.models import Clause

    clause = Clause.objects.get(standard__code="ISO 14001", number="9.3")
    found = records_for_clauses(viewer, organisation, [clause.pk])
    assert [r.reference for r in found[clause.pk]] == ["MR-0001"]


def _grow(organisation, manager, n):
    for i in range(n):
        review = make_review(organisation, title=f"Review {i}", chair=manager, attendees=[manager])
        services.review_compile(review=review)
        services.output_create(
            review=review, kind="change", decision=f"Decision {i}", created_by=manager, owner=manager
        )


def test_list_costs_the_same_for_few_and_many(as_viewer, organisation, manager, count_queries):
    _grow(organisation, manager, 1)
    few = count_queries(lambda: as_viewer.get(url("review_list")))
    _grow(organisation, manager, 5)
    many = count_queries(lambda: as_viewer.get(url("review_list")))
    assert few == many


def test_detail_costs_the_same_for_few_and_many(as_manager, organisation, manager, count_queries):
    review = make_review(organisation, chair=manager, attendees=[manager])
    services.review_compile(review=review)
    services.output_create(review=review, kind="change", decision="One", created_by=manager, owner=manager)
    few = count_queries(lambda: as_manager.get(review.get_absolute_url()))
    for n in range(5):
        services.output_create(
            review=review, kind="change", decision=f"More {n}", created_by=manager, owner=manager
        )
        make_nc(organisation, dt.date(2025, 2, 1 + n))
    services.review_compile(review=review)
    for item in ReviewInput.objects.filter(review=review):
        services.input_update(review_input=item, version=item.version, minutes="Noted.")
    many = count_queries(lambda: as_manager.get(review.get_absolute_url()))
    assert few == many
