"""The review demo on its own (fast), and compiling a review over the whole demo."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from integrum.actions.models import Action
from integrum.conftest import add_member
from integrum.core.models import Organisation, Role, User
from integrum.reviews import services
from integrum.reviews.demo import DEMO_PASSWORD, seed_reviews
from integrum.reviews.models import ManagementReview, ReviewOutput

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

S = ManagementReview.Status


def _people(organisation: Organisation) -> dict[str, User]:
    people = {}
    for key, role in (
        ("helen", Role.ADMIN),
        ("david", Role.MANAGER),
        ("priya", Role.CONTRIBUTOR),
        ("tom", Role.CONTRIBUTOR),
        ("mark", Role.VIEWER),
    ):
        user = User.objects.create_user(f"{key}@northwind.test", DEMO_PASSWORD, first_name=key.title())
        add_member(organisation, user, role)
        people[key] = user
    return people


def test_seed_reviews_makes_a_signed_and_a_compiled_review(organisation):
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC), tick=False):
        seed_reviews(organisation, _people(organisation), dt.date(2026, 5, 4))
    last, current = ManagementReview.objects.order_by("scheduled_for")
    assert last.status == S.SIGNED and last.signed_by.email == "helen@northwind.test"
    assert current.status == S.COMPILED
    assert current.period_start == last.period_end + dt.timedelta(days=1)
    covered = [entry for entry in services.coverage(last) if entry.covered]
    assert len(covered) >= 12
    statuses = sorted(o.action.status for o in ReviewOutput.objects.filter(review=last))
    assert statuses == sorted([Action.Status.DONE, Action.Status.IN_PROGRESS, Action.Status.OPEN])
    # This year's review sees last year's decisions.
    previous = current.inputs.get(key="previous_actions").compiled
    assert previous["summary"][0].startswith("3 decisions of earlier reviews: 1 done")


def test_compile_over_the_demo_fills_every_input(settings: Any, tmp_path: Any) -> None:
    """Needs every seeder wired into the demo command (audits, improvement, reviews)."""
    settings.DATA_DIR = tmp_path / "data"
    call_command("demo", "--no-serve", stdout=io.StringIO())
    review = (
        ManagementReview.objects.filter(organisation__slug="northwind").order_by("-scheduled_for").first()
    )
    if review is None:
        pytest.skip("seed_reviews is not called by the demo command yet.")
    services.review_compile(review=review)
    empty = [
        item.key
        for item in review.inputs.all()
        if item.compiled["empty"] and item.key not in ("customer_satisfaction", "resources")
    ]
    assert empty == []
