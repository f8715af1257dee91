"""Audits, nonconformities and management reviews in "my work"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from integrum.audits.models import Audit
from integrum.improvement.models import Nonconformity
from integrum.reviews.models import ManagementReview

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _audit(organisation, number, status, lead=None, team=()):
    audit = Audit.objects.create(
        organisation=organisation,
        number=number,
        reference=f"AUD-{number:04d}",
        title=f"Audit {number}",
        scope="Purchasing",
        lead_auditor=lead,
        planned_start=TODAY,
        planned_end=TODAY,
        status=status,
    )
    audit.team.set(team)
    return audit


def _nc(organisation, number, status, owner=None, due=None):
    return Nonconformity.objects.create(
        organisation=organisation,
        number=number,
        reference=f"NC-{number:04d}",
        title=f"Problem {number}",
        description="Details",
        detected_on=TODAY,
        status=status,
        owner=owner,
        effectiveness_due=due,
    )


def test_my_work_lists_my_audits_ncs_and_reviews(
    organisation, contributor, manager, as_contributor, as_manager
):
    led = _audit(organisation, 1, Audit.Status.PREPARED, lead=contributor)
    on_team = _audit(organisation, 2, Audit.Status.IN_PROGRESS, lead=manager, team=[contributor])
    reported = _audit(organisation, 3, Audit.Status.REPORTED, lead=contributor)
    someone_elses = _audit(organisation, 4, Audit.Status.PLANNED, lead=manager)
    mine = _nc(organisation, 1, Nonconformity.Status.VERIFICATION, owner=contributor, due=TODAY)
    closed = _nc(organisation, 2, Nonconformity.Status.CLOSED, owner=contributor)
    to_triage = _nc(organisation, 3, Nonconformity.Status.REPORTED)
    review = ManagementReview.objects.create(
        organisation=organisation,
        number=1,
        reference="MR-0001",
        title="Annual review",
        scheduled_for=TODAY,
        period_start=TODAY - datetime.timedelta(days=365),
        period_end=TODAY,
        chair=manager,
    )

    work = as_contributor.get(reverse("reports:my_work")).context["work"]
    assert work.audits == [led, on_team]
    assert reported not in work.audits and someone_elses not in work.audits
    assert work.nonconformities == [mine]
    assert closed not in work.nonconformities
    assert work.management_reviews == []

    # Managers also see what waits for triage, and the reviews they chair.
    work = as_manager.get(reverse("reports:my_work")).context["work"]
    assert to_triage in work.nonconformities and mine not in work.nonconformities
    assert work.management_reviews == [review]
    home = as_manager.get(reverse("reports:home"))
    assert review.reference in home.content.decode()
    assert (
        home.context["headlines"].open_nonconformities,
        home.context["headlines"].nonconformities_to_triage,
    ) == (
        2,
        1,
    )


def test_outsiders_see_none_of_them(organisation, contributor, as_outsider):
    _nc(organisation, 1, Nonconformity.Status.OPEN, owner=contributor)
    _audit(organisation, 1, Audit.Status.PLANNED, lead=contributor)
    work = as_outsider.get(reverse("reports:my_work")).context["work"]
    assert work.nonconformities == [] and work.audits == []
    assert as_outsider.get(reverse("reports:home")).context["headlines"].open_nonconformities == 0
