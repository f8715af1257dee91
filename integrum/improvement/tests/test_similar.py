"""Similar past nonconformities: ranked by the database's full-text engine, safe with any text,
scoped to what the user may see, at a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrum.conftest import add_member, make_user
from integrum.core.models import Role
from integrum.improvement import services
from integrum.improvement.similar import significant_words, similar_to, similar_to_text
from integrum.improvement.tests.builders import make_nc

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def history(organisation, manager):
    return {
        "leak": make_nc(
            organisation,
            manager,
            title="Hydraulic hose leaking at press 2",
            description="Hydraulic oil leaked from a worn hose onto the floor.",
        ),
        "label": make_nc(
            organisation,
            manager,
            title="Wrong label on export cartons",
            description="Cartons for Germany carried the UK label.",
        ),
        "late": make_nc(
            organisation,
            manager,
            title="Late delivery to Acme Pumps",
            description="Order 5531 shipped four days late because of a missing casting.",
        ),
    }


def test_the_really_similar_one_ranks_first(organisation, manager, history):
    nc = make_nc(
        organisation,
        manager,
        title="Oil leak at press 4",
        description="Hydraulic hose leaks oil under press 4.",
    )
    found = similar_to(nc, manager)
    assert found[0] == history["leak"]
    assert nc not in found and history["label"] not in found


def test_the_root_cause_counts_too(organisation, manager, history):
    services.nc_update(
        nc=history["late"], version=history["late"].version, root_cause="Supplier capacity for castings"
    )
    found = similar_to_text(user=manager, organisation=organisation, text="castings supplier capacity")
    assert found[0] == history["late"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        'leak" OR "x',
        "AND",
        "NEAR(",
        "hose*",
        "-- ; drop table",
        "NOT OR AND",
        "(",
        "💥",
        "a" * 5000,
        "",
    ],
)
def test_any_text_is_safe(organisation, manager, history, text):
    similar_to_text(user=manager, organisation=organisation, text=text)
    nc = make_nc(organisation, manager, title=text[:200] or "x", description=text or "y")
    similar_to(nc, manager)


def test_operators_are_plain_words(organisation, manager, history):
    found = similar_to_text(user=manager, organisation=organisation, text='NEAR(hose "leaking" AND')
    assert found[0] == history["leak"]


def test_words_of_a_text():
    assert significant_words("The hose and the HOSE leaked; 42 of them") == ["hose", "leaked"]
    assert significant_words("a an the 123") == []


def test_other_organisations_and_other_sites_are_not_searched(
    organisation, other_organisation, sites, manager, outsider, history
):
    make_nc(other_organisation, None, title="Hydraulic hose leaking", description="Hydraulic oil leak")
    limited = make_user("sam@acme.test", "Sam", "Site")
    add_member(organisation, limited, Role.CONTRIBUTOR, sites=[sites[1]])
    on_site = make_nc(organisation, manager, title="Hydraulic leak at BHM", description="oil", site=sites[0])
    found = similar_to_text(user=manager, organisation=organisation, text="hydraulic hose leak")
    assert {nc.organisation_id for nc in found} == {organisation.pk} and on_site in found
    assert on_site not in similar_to_text(user=limited, organisation=organisation, text="hydraulic leak")
    assert similar_to_text(user=outsider, organisation=organisation, text="hydraulic leak") == []


def test_a_fixed_number_of_queries(organisation, manager, history):
    nc = history["leak"]
    make_nc(organisation, manager, title="Hydraulic leak", description="Hose leaking oil")
    assert len(similar_to(nc, manager)) == 1  # (the user's memberships are loaded once)
    with CaptureQueriesContext(connection) as few:
        similar_to(nc, manager)
    for n in range(7):
        make_nc(organisation, manager, title=f"Hydraulic leak {n}", description="Hose leaking oil")
    with CaptureQueriesContext(connection) as many:
        assert len(similar_to(nc, manager)) == 5
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_index_follows_edits_and_deletes(organisation, manager, contributor, history):
    report = services.nc_report(
        organisation=organisation, user=contributor, title="Forklift battery acid", description="Spill"
    )
    assert similar_to_text(user=manager, organisation=organisation, text="battery acid") == [report]
    services.nc_update(nc=report, version=report.version, title="Forklift charger fault")
    assert similar_to_text(user=manager, organisation=organisation, text="battery acid") == []
    report.refresh_from_db()
    services.nc_delete(nc=report)
    assert similar_to_text(user=manager, organisation=organisation, text="forklift charger") == []
