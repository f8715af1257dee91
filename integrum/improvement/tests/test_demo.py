"""The demo's nonconformities: every source and status, through the services, quickly."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from integrum.conftest import add_member
from integrum.context.tests.factories import make_process
from integrum.core.management.commands.demo import DEMO_PASSWORD
from integrum.core.models import ObjectChange, Role, Site, User
from integrum.environment import services as env_services
from integrum.environment.tests.factories import make_obligation, scheduled
from integrum.improvement.demo import seed_improvement
from integrum.improvement.models import Nonconformity
from integrum.improvement.tests.builders import make_finding

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

ROLES = {
    "helen": Role.ADMIN,
    "david": Role.MANAGER,
    "priya": Role.CONTRIBUTOR,
    "tom": Role.CONTRIBUTOR,
    "jenny": Role.CONTRIBUTOR,
    "mark": Role.VIEWER,
}


def test_the_demo_covers_every_source_and_status(organisation):
    password = make_password(DEMO_PASSWORD)
    Site.objects.create(organisation=organisation, name="Sheffield", code="SHF")
    rot = Site.objects.create(organisation=organisation, name="Rotherham", code="ROT")
    people = {}
    for key, role in ROLES.items():
        user = User.objects.create_user(f"{key}@northwind.test", first_name=key.title(), last_name="Demo")
        user.password = password
        user.save()
        add_member(organisation, user, role, sites=[rot] if key == "jenny" else None)
        people[key] = user
    make_finding(organisation, grade="major")
    make_process(organisation, name="Machining")
    make_finding(organisation, grade="observation")
    obligation = make_obligation(organisation, owner=people["priya"])
    env_services.evaluation_complete(
        evaluation=scheduled(obligation), result="partly", evidence="Codes missing", user=people["priya"]
    )
    started = time.monotonic()
    seed_improvement(organisation, people, timezone.localdate())
    assert time.monotonic() - started < 3
    ncs = Nonconformity.objects.filter(organisation=organisation)
    assert ncs.count() >= 10
    assert set(ncs.values_list("source", flat=True)) == set(Nonconformity.Source.values)
    assert set(ncs.values_list("status", flat=True)) == set(Nonconformity.Status.values)
    assert ncs.filter(status="reported").count() == 2
    assert ncs.filter(times_reopened__gt=0).count() == 2
    assert ncs.exclude(closure_justification="").filter(status="closed").count() == 1
    years = {nc.detected_on.year for nc in ncs}
    assert len(years) >= 2
    assert ObjectChange.objects.filter(action="signature", organisation_id=organisation.pk).exists()
