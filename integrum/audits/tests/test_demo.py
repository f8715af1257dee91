"""The demo seeds a programme with audits at every stage through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from integrum.audits.demo import seed_audits
from integrum.audits.models import Audit, Finding
from integrum.audits.selectors import programme_plan
from integrum.audits.services import independence_warnings
from integrum.conftest import add_member, make_user
from integrum.core.models import Role, Site

pytestmark = pytest.mark.django_db


def test_seed_audits(standards, organisation):
    Site.objects.create(organisation=organisation, name="Sheffield", code="SHF")
    Site.objects.create(organisation=organisation, name="Rotherham", code="ROT")
    roles = {
        "helen": Role.ADMIN,
        "david": Role.MANAGER,
        "priya": Role.CONTRIBUTOR,
        "tom": Role.CONTRIBUTOR,
        "jenny": Role.CONTRIBUTOR,
        "mark": Role.VIEWER,
        "sam": Role.CONTRIBUTOR,
        "gareth": Role.CONTRIBUTOR,
    }
    people = {}
    for key, role in roles.items():
        people[key] = make_user(f"{key}@northwind.test", key.title(), "Demo")
        add_member(organisation, people[key], role)
    seed_audits(organisation, people, dt.date(2026, 6, 15))
    statuses = sorted(Audit.objects.values_list("status", flat=True))
    assert statuses == ["closed", "closed", "in_progress", "planned", "planned", "reported"]
    assert set(Finding.objects.values_list("grade", flat=True)) == {"minor", "ofi", "observation"}
    running = Audit.objects.get(status="in_progress")
    assert 0 < running.checklist.exclude(answer="").count() < running.checklist.count()
    assert any(independence_warnings(a) for a in Audit.objects.filter(status="planned"))
    closed = Audit.objects.filter(status="closed").order_by("closed_on").first()
    assert closed.closed_on < dt.date(2026, 6, 15)
    rows = programme_plan(closed.programme)
    assert any(row.minors == 1 for row in rows)
