"""The tracker across sources: the source filter and column, the overdue tab and the ageing view."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from integrum.actions.models import Action
from integrum.actions.selectors import AGE_BUCKETS, OVERDUE_BUCKETS, ageing
from integrum.actions.tests.factories import make_action
from integrum.core.models import Membership, Organisation
from integrum.core.tests.test_api import api_client, error_of

pytestmark = pytest.mark.django_db

API = "/api/v1/actions"
LIST = reverse("actions:action_list")
AGEING = reverse("actions:action_ageing")
TODAY = dt.date(2026, 6, 30)


def at(day: dt.date) -> Any:
    """Travel to noon (UTC) of `day`, with the clock standing still."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC), tick=False)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def sources_of_four_kinds(organisation: Organisation, manager: Any, sites: Any) -> list[Any]:
    """Four kinds of record an action can be raised from (the apps to the right add their own)."""
    first = make_action(organisation, manager, title="The first action")
    membership = Membership.objects.get(organisation=organisation, user=manager)
    return [first, sites[0], membership, organisation]


def refs(response: Any) -> list[str]:
    return [a["reference"] for a in response.json()["results"]]


# --- Source filter and column --------------------------------------------------------------------


def test_it_filters_by_the_kind_of_source_on_the_page_and_in_the_api(
    as_viewer, viewer, organisation, manager, sites
):
    first, site, membership, _ = sources_of_four_kinds(organisation, manager, sites)
    follow_up = make_action(organisation, manager, title="Follow-up", source=first)
    on_site = make_action(organisation, manager, title="On a site", source=site)
    on_member = make_action(organisation, manager, title="On a member", source=membership)

    body = as_viewer.get(LIST + "?source=actions.action").content.decode()
    assert follow_up.reference in body and on_site.reference not in body and on_member.reference not in body

    client = api_client(viewer)
    assert refs(client.get(f"{API}/?source=core.site")) == [on_site.reference]
    assert refs(client.get(f"{API}/?source=none")) == [first.reference]
    assert refs(client.get(f"{API}/?source=core.membership")) == [on_member.reference]
    error = error_of(client.get(f"{API}/?source=risks.risk"), 400)
    assert list(error["fields"]) == ["source"]


def test_it_offers_only_the_kinds_of_source_the_organisation_uses(
    as_viewer, organisation, other_organisation, manager, sites
):
    first = make_action(organisation, manager)
    make_action(organisation, manager, source=first)
    make_action(other_organisation, None, source=other_organisation)
    response = as_viewer.get(LIST)
    choices = list(response.context["filter"].form.fields["source"].choices)
    assert choices == [("", "Any record"), ("actions.action", "Action"), ("none", "No source")]


def test_it_links_each_action_to_the_record_that_raised_it(as_viewer, organisation, manager, sites):
    first = make_action(organisation, manager, title="The first action")
    follow_up = make_action(organisation, manager, source=first)
    make_action(organisation, manager, source=sites[0])
    body = as_viewer.get(LIST).content.decode()
    assert f'<a class="mono" href="{first.get_absolute_url()}">{first.reference}</a>' in body
    assert f'href="{sites[0].get_absolute_url()}">{sites[0].name}</a>' in body
    detail = as_viewer.get(follow_up.get_absolute_url()).content.decode()
    assert f'<a href="{first.get_absolute_url()}">{first.reference}</a>' in detail


def test_it_shows_only_the_kind_of_a_source_the_user_may_not_see(
    organisation, manager, sites, viewer, as_viewer
):
    membership = Membership.objects.get(organisation=organisation, user=viewer)
    membership.sites.set([sites[1]])
    hidden = make_action(organisation, manager, title="On the other site", site=sites[0])
    make_action(organisation, manager, title="From a hidden action", source=hidden)
    body = as_viewer.get(LIST).content.decode()
    assert "From a hidden action" in body
    assert hidden.reference not in body  # neither as a row nor as the source's link
    assert '<span class="muted">Action</span>' in body


def test_it_lists_sources_in_a_fixed_number_of_queries(
    as_viewer, viewer, organisation, manager, sites, count_queries
):
    kinds = sources_of_four_kinds(organisation, manager, sites)
    client = api_client(viewer)

    def costs() -> tuple[int, int, int]:
        return (
            count_queries(lambda: as_viewer.get(LIST)),
            count_queries(lambda: as_viewer.get(LIST + "?overdue=true&source=core.site")),
            count_queries(lambda: client.get(f"{API}/?source=core.membership")),
        )

    for source in kinds:  # one action of each kind
        make_action(organisation, manager, owner=manager, source=source, due_date=days_ago(3))
    few = costs()
    for _ in range(4):  # twenty actions of the same four kinds
        for source in kinds:
            make_action(organisation, manager, owner=manager, source=source, due_date=days_ago(3))
    assert Action.objects.exclude(source_type=None).count() == 20
    assert costs() == few, few
    assert few[0] <= 16  # of which one per kind of source: 4


# --- The overdue tab -----------------------------------------------------------------------------


def test_the_overdue_tab_puts_the_oldest_due_date_first_and_says_how_late(as_viewer, organisation, manager):
    with at(TODAY):
        late = make_action(organisation, manager, title="Two days late", due_date=days_ago(2))
        later = make_action(organisation, manager, title="Forty days late", due_date=days_ago(40))
        make_action(organisation, manager, title="Due today", due_date=TODAY)
        done = make_action(organisation, manager, title="Done late", due_date=days_ago(90))
        Action.objects.filter(pk=done.pk).update(status=Action.Status.DONE)
        response = as_viewer.get(LIST + "?overdue=true")
        assert [a.pk for a in response.context["object_list"]] == [later.pk, late.pk]
        body = response.content.decode()
        assert "40 days overdue" in body and "2 days overdue" in body
        # A chosen sort order still wins.
        response = as_viewer.get(LIST + "?overdue=true&ordering=-due_date")
        assert [a.pk for a in response.context["object_list"]] == [late.pk, later.pk]


# --- Ageing --------------------------------------------------------------------------------------


@pytest.fixture
def aged(organisation, other_organisation, manager, contributor, sites):
    """Open actions raised 0, 30, 31, 90, 91, 180, 181, 365 and 366 days before TODAY, due at various
    days past, with two owners, no owner, two kinds of source and none; plus some that do not count."""
    made: dict[str, Action] = {}
    first = None
    for n, owner, due in (
        (0, manager, TODAY),  # due today: not overdue
        (30, manager, days_ago(1)),
        (31, contributor, days_ago(7)),
        (90, contributor, days_ago(8)),
        (91, None, days_ago(30)),
        (180, manager, days_ago(31)),
        (181, manager, days_ago(90)),
        (365, contributor, days_ago(91)),
        (366, None, None),
    ):
        with at(days_ago(n)):
            source = first if n % 2 else (sites[0] if n else None)
            made[str(n)] = make_action(
                organisation, manager, title=f"Raised {n} days ago", owner=owner, due_date=due, source=source
            )
            first = first or made[str(n)]
    with at(days_ago(400)):
        done = make_action(organisation, manager, title="Done", due_date=days_ago(300))
        make_action(other_organisation, None, title="Theirs", due_date=days_ago(300))
    Action.objects.filter(pk=done.pk).update(status=Action.Status.DONE)
    return made


def test_it_counts_open_actions_by_age_and_overdue_actions_by_days_late(aged, organisation, manager):
    with at(TODAY):
        report = ageing(Action.objects.filter(organisation=organisation))
    assert [b.label for b in report.age_buckets] == [
        "0–30 days",
        "31–90 days",
        "91–180 days",
        "181–365 days",
        "Over 365 days",
    ]
    assert report.total.age == [2, 2, 2, 2, 1]
    # Overdue by 1, 7 | 8, 30 | 31, 90 | 91; due today and no due date are not overdue.
    assert report.total.overdue == [2, 2, 2, 1]
    owners = {row.label: (row.age, row.overdue) for row in report.by_owner}
    assert owners == {
        "Mia Manager": ([2, 0, 1, 1, 0], [1, 0, 2, 0]),
        "Carl Contributor": ([0, 2, 0, 1, 0], [1, 1, 0, 1]),
        "No owner": ([0, 0, 1, 0, 1], [0, 1, 0, 0]),
    }
    assert [row.label for row in report.by_owner][-1] == "No owner"
    sources = {row.key: (row.age, row.overdue) for row in report.by_source}
    assert sources == {
        "actions.action": ([0, 1, 1, 2, 0], [1, 1, 1, 1]),  # raised an odd number of days ago
        "core.site": ([1, 1, 1, 0, 1], [1, 1, 1, 0]),
        "none": ([1, 0, 0, 0, 0], [0, 0, 0, 0]),
    }


def test_every_ageing_count_links_to_a_list_of_exactly_those_actions(aged, as_viewer, viewer):
    client = api_client(viewer)
    with at(TODAY):
        body = client.get(f"{API}/ageing/").json()
        assert (body["today"], body["open"], body["overdue"]) == ("2026-06-30", 9, 7)
        assert [t["key"] for t in body["tables"]] == [
            "age-owner",
            "age-source",
            "overdue-owner",
            "overdue-source",
        ]
        checked = 0
        for table in body["tables"]:
            for row in [*table["rows"], table["total"]]:
                for cell in [*row["cells"], row["total"]]:
                    listed = client.get(f"{API}/?{cell['query']}&page_size=200").json()["count"]
                    assert listed == cell["count"], (table["key"], row["name"], cell)
                    checked += 1
                    if cell["count"] and checked % 5 == 0:  # the page agrees with the API
                        page = as_viewer.get(f"{LIST}?{cell['query']}")
                        assert page.context["page_obj"].paginator.count == cell["count"]
        assert checked > 60


def test_it_shows_the_ageing_page_to_members_and_nothing_to_outsiders(aged, as_viewer, as_outsider, client):
    with at(TODAY):
        body = as_viewer.get(AGEING).content.decode()
        assert "Open actions by days since raised, by owner" in body
        assert "Carl Contributor" in body and "Over 365 days" in body
        assert f'href="{LIST}?status=open&amp;status=in_progress&amp;age_min=31&amp;age_max=90' in body
        other = as_outsider.get(AGEING)
        assert other.status_code == 200
        theirs = other.context["ageing"]  # their one open action, none of ours
        assert theirs.total.age_total == 1 and [row.label for row in theirs.by_owner] == ["No owner"]
        assert "Carl Contributor" not in other.content.decode()
        response = client.get(AGEING)
        assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_ageing_endpoint_shows_an_outsider_nothing_of_ours(aged, outsider, organisation):
    client = api_client(outsider)
    with at(TODAY):
        body = client.get(f"{API}/ageing/").json()
        assert body["open"] == 1  # their own one
        names = {row["name"] for table in body["tables"] for row in table["rows"]}
        assert names == {"No owner", "No source"}
        error = error_of(client.get(f"{API}/ageing/?organisation={organisation.pk}"), 400)
        assert list(error["fields"]) == ["organisation"]
        assert api_client().get(f"{API}/ageing/").status_code in (401, 403)


def test_the_ageing_endpoint_narrows_to_one_organisation(aged, viewer, organisation, other_organisation):
    with at(TODAY):
        body = api_client(viewer).get(f"{API}/ageing/?organisation={organisation.pk}").json()
    assert body["open"] == 9


def test_ageing_reads_in_a_fixed_number_of_queries(
    viewer, as_viewer, organisation, manager, contributor, sites, count_queries
):
    client = api_client(viewer)
    kinds = sources_of_four_kinds(organisation, manager, sites)

    def costs() -> tuple[int, int]:
        return count_queries(lambda: as_viewer.get(AGEING)), count_queries(
            lambda: client.get(f"{API}/ageing/")
        )

    make_action(organisation, manager, owner=manager, source=kinds[1], due_date=days_ago(3))
    one = costs()
    for i in range(19):
        make_action(
            organisation,
            manager,
            owner=(manager, contributor, None)[i % 3],
            source=kinds[i % 4],
            due_date=days_ago(i),
        )
    assert costs() == one, one
    assert one[0] <= 9 and one[1] <= 8


def test_age_filters_refuse_nonsense(as_viewer, viewer, organisation, manager):
    make_action(organisation, manager)
    for query in ("age_min=-1", "age_max=1.5", "overdue_min=abc", "overdue_max=99999999"):
        error_of(api_client(viewer).get(f"{API}/?{query}"), 400)
        page = as_viewer.get(f"{LIST}?{query}")
        assert page.status_code == 200 and not page.context["object_list"]


def test_buckets_cover_every_day_once():
    for buckets in (AGE_BUCKETS, OVERDUE_BUCKETS):
        for before, after in itertools.pairwise(buckets):
            assert before.high is not None and after.low == before.high + 1
        assert buckets[-1].high is None


def test_an_action_ages_by_the_calendar(organisation, manager):
    with at(dt.date(2026, 1, 1)):
        action = make_action(organisation, manager, due_date=dt.date(2026, 1, 10))
    actions = Action.objects.filter(pk=action.pk)
    with at(dt.date(2026, 1, 31)):
        assert ageing(actions).total.age == [1, 0, 0, 0, 0]
        assert ageing(actions).total.overdue == [0, 1, 0, 0]  # 21 days late: 8–30
    with at(dt.date(2026, 2, 1)):
        assert ageing(actions).total.age == [0, 1, 0, 0, 0]


def test_the_export_names_the_record_that_raised_each_action(as_viewer, organisation, manager, sites):
    with at(TODAY):
        first = make_action(organisation, manager, title="First", due_date=days_ago(5))
        make_action(organisation, manager, title="Follow-up", source=first, due_date=TODAY)
        response = as_viewer.get(LIST + "?export=xlsx&ordering=reference")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header = rows[0]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert (
        by_title["Follow-up"]["Source"] == "Action"
        and by_title["Follow-up"]["Source record"] == first.reference
    )
    assert by_title["First"]["Source"] in (None, "")  # raised on its own
    assert by_title["First"]["Days overdue"] == 5 and by_title["Follow-up"]["Days overdue"] is None


def test_a_former_members_row_is_counted_but_not_linked(aged, organisation, contributor, as_viewer):
    # The list's owner filter offers members only: a link for someone who left would not work.
    Membership.objects.filter(organisation=organisation, user=contributor).delete()
    with at(TODAY):
        report = ageing(Action.objects.filter(organisation=organisation))
        page = as_viewer.get(reverse("actions:action_ageing"))
    row = next(row for row in report.by_owner if row.key == str(contributor.pk))
    assert row.label == "Carl Contributor (no longer a member)" and not row.linked
    assert row.age == [0, 2, 0, 1, 0]
    assert f"owner={contributor.pk}" not in page.content.decode()
    assert "no longer a member" in page.content.decode()
    assert next(row for row in report.by_source if row.key == "core.site").linked
