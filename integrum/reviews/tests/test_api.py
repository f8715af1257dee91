"""`management-reviews/` and `review-inputs/` for every persona."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from integrum.conftest import PASSWORD
from integrum.reviews import services
from integrum.reviews.inputs import CATALOGUE
from integrum.reviews.models import ManagementReview, ReviewOutput
from integrum.reviews.tests.builders import make_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

API = "/api/v1/management-reviews/"
S = ManagementReview.Status


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 7, 2, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def review(organisation, manager):
    return make_review(organisation, chair=manager, attendees=[manager])


def test_create_compile_minute_decide_and_sign(as_manager, organisation, manager):
    response = as_manager.post(
        API,
        {
            "organisation": organisation.pk,
            "title": "Review 2025",
            "standards": ["ISO 9001", "ISO 14001"],
            "scheduled_for": "2025-06-30",
            "chair": manager.pk,
            "attendees": [manager.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["reference"] == "MR-0001" and created["period_start"] == "2024-06-30"
    pk = created["id"]
    assert as_manager.post(f"{API}{pk}/compile/").json()["status"] == S.COMPILED
    inputs = as_manager.get(f"{API}{pk}/inputs/").json()
    assert [i["key"] for i in inputs] == [spec.key for spec in CATALOGUE]
    first = inputs[0]
    patched = as_manager.patch(
        f"/api/v1/review-inputs/{first['id']}/",
        {"minutes": "All done.", "version": first["version"]},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["minutes"] == "All done."
    stale = as_manager.patch(
        f"/api/v1/review-inputs/{first['id']}/",
        {"minutes": "Other", "version": first["version"]},
        content_type="application/json",
    )
    assert stale.status_code == 409
    coverage = {c["key"]: c["covered"] for c in as_manager.get(f"{API}{pk}/coverage/").json()}
    assert coverage[first["key"]] is True and coverage["resources"] is False
    output = as_manager.post(
        f"{API}{pk}/outputs/",
        {"kind": "improvement", "decision": "Add a second shift", "owner": manager.pk},
        content_type="application/json",
    )
    assert output.status_code == 201 and output.json()["action_status"] == "open"
    review = ManagementReview.objects.get(pk=pk)
    services.review_update(
        review=review, version=review.version, held_on=dt.date(2025, 7, 1), conclusions="Effective."
    )
    wrong = as_manager.post(f"{API}{pk}/sign/", {"password": "nope"}, content_type="application/json")
    assert wrong.status_code == 400
    assert ManagementReview.objects.get(pk=pk).status == S.COMPILED
    signed = as_manager.post(f"{API}{pk}/sign/", {"password": PASSWORD}, content_type="application/json")
    assert signed.status_code == 200 and signed.json()["status"] == S.SIGNED
    pdf = as_manager.get(f"{API}{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_create_changes_nothing(as_contributor, organisation):
    response = as_contributor.post(
        API,
        {
            "organisation": organisation.pk,
            "title": "x",
            "standards": [],
            "scheduled_for": "2025-06-30",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert ManagementReview.objects.count() == 0


def test_illegal_steps_answer_400(as_manager, review):
    assert (
        as_manager.post(
            f"{API}{review.pk}/sign/", {"password": PASSWORD}, content_type="application/json"
        ).status_code
        == 400
    )
    outputs = as_manager.post(
        f"{API}{review.pk}/outputs/", {"kind": "change", "decision": "x"}, content_type="application/json"
    )
    assert outputs.status_code == 400 and ReviewOutput.objects.count() == 0
    as_manager.post(f"{API}{review.pk}/cancel/", {"reason": "Merged"}, content_type="application/json")
    assert as_manager.post(f"{API}{review.pk}/compile/").status_code == 400


def test_viewer_reads_but_cannot_write(as_viewer, review):
    services.review_compile(review=review)
    assert as_viewer.get(API).json()["count"] == 1
    assert as_viewer.get(f"{API}{review.pk}/coverage/").status_code == 200
    item = review.inputs.first()
    for response in (
        as_viewer.post(f"{API}{review.pk}/compile/"),
        as_viewer.post(
            f"{API}{review.pk}/outputs/", {"kind": "change", "decision": "x"}, content_type="application/json"
        ),
        as_viewer.post(f"{API}{review.pk}/cancel/", {}, content_type="application/json"),
        as_viewer.patch(
            f"/api/v1/review-inputs/{item.pk}/",
            {"minutes": "x", "version": item.version},
            content_type="application/json",
        ),
        as_viewer.delete(f"{API}{review.pk}/"),
    ):
        assert response.status_code == 403
    assert ManagementReview.objects.get().status == S.COMPILED


def test_contributor_cannot_cancel_or_delete(as_contributor, review):
    assert (
        as_contributor.post(f"{API}{review.pk}/cancel/", {}, content_type="application/json").status_code
        == 403
    )
    assert as_contributor.delete(f"{API}{review.pk}/").status_code == 403


def test_manager_deletes_a_planned_review(as_manager, review):
    assert as_manager.delete(f"{API}{review.pk}/").status_code == 204
    assert ManagementReview.objects.count() == 0


def test_outsider_gets_404(as_outsider, review):
    services.review_compile(review=review)
    item = review.inputs.first()
    assert as_outsider.get(API).json()["count"] == 0
    for response in (
        as_outsider.get(f"{API}{review.pk}/"),
        as_outsider.get(f"{API}{review.pk}/inputs/"),
        as_outsider.get(f"{API}{review.pk}/coverage/"),
        as_outsider.get(f"{API}{review.pk}/pdf/"),
        as_outsider.post(f"{API}{review.pk}/compile/"),
        as_outsider.post(f"{API}{review.pk}/sign/", {"password": PASSWORD}, content_type="application/json"),
        as_outsider.patch(
            f"/api/v1/review-inputs/{item.pk}/",
            {"minutes": "x", "version": 1},
            content_type="application/json",
        ),
        as_outsider.delete(f"{API}{review.pk}/"),
    ):
        assert response.status_code == 404


def test_list_costs_the_same_for_few_and_many(as_viewer, organisation, manager, count_queries):
    make_review(organisation, chair=manager, attendees=[manager])
    few = count_queries(lambda: as_viewer.get(API))
    for n in range(5):
        make_review(organisation, title=f"R{n}", chair=manager, attendees=[manager])
    many = count_queries(lambda: as_viewer.get(API))
    assert few == many
