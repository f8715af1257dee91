"""The context pages for every persona: viewers read, contributors write, managers delete, outsiders see nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from integrum.context.models import (
    ClimateDetermination,
    ContextIssue,
    InterestedParty,
    OrganisationalRole,
    PartyRequirement,
    Process,
    ProcessInteraction,
    Scope,
    ScopeExclusion,
)
from integrum.context.tests.factories import make_issue, make_party, make_process, make_role
from integrum.core.models import ObjectChange
from integrum.core.relations import Related, register_relations
from integrum.standards.models import Clause

pytestmark = pytest.mark.django_db

# (url name, record key or None) of the pages every member may read.
READ_PAGES = [
    ("issue_list", None),
    ("issue_detail", "issue"),
    ("party_list", None),
    ("party_detail", "party"),
    ("scope_list", None),
    ("scope_detail", "scope"),
    ("scope_statement", "scope"),
    ("process_list", None),
    ("process_map", None),
    ("process_detail", "process"),
    ("role_list", None),
    ("role_detail", "role"),
]
# Forms for contributors.
WRITE_FORMS = [
    ("issue_create", None),
    ("issue_update", "issue"),
    ("issue_import", None),
    ("party_create", None),
    ("party_update", "party"),
    ("party_import", None),
    ("requirement_update", "requirement"),
    ("scope_create", None),
    ("scope_update", "scope"),
    ("scope_import", None),
    ("process_create", None),
    ("process_update", "process"),
    ("process_import", None),
    ("role_create", None),
    ("role_update", "role"),
    ("role_import", None),
]
# POST-only steps: (url name, record key, minimum persona).
POSTS = [
    ("issue_delete", "issue", "manager"),
    ("party_delete", "party", "manager"),
    ("requirement_create", "party", "contributor"),
    ("requirement_delete", "requirement", "manager"),
    ("scope_delete", "scope", "manager"),
    ("exclusion_create", "scope", "contributor"),
    ("exclusion_delete", "exclusion", "manager"),
    ("process_delete", "process", "manager"),
    ("interaction_create", "process", "contributor"),
    ("interaction_delete", "interaction", "contributor"),
    ("role_delete", "role", "manager"),
]
ID_PAGES = [p for p in READ_PAGES + WRITE_FORMS if p[1]]


def url(name: str, records: dict, key: str | None) -> str:
    return reverse(f"context:{name}", args=[records[key].pk] if key else [])


def everything() -> tuple[int, ...]:
    models = [
        ContextIssue,
        ClimateDetermination,
        InterestedParty,
        PartyRequirement,
        Scope,
        ScopeExclusion,
        Process,
        ProcessInteraction,
        OrganisationalRole,
    ]
    return (*(m.objects.count() for m in models), ObjectChange.objects.count())


@pytest.mark.parametrize(("name", "key"), READ_PAGES)
def test_a_viewer_reads_every_page(as_viewer, records, name, key):
    response = as_viewer.get(url(name, records, key))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>" not in body.split("</head>", 1)[-1]  # no inline script (CSP)


@pytest.mark.parametrize(("name", "key"), WRITE_FORMS)
def test_a_viewer_gets_no_form(as_viewer, as_contributor, records, name, key):
    assert as_viewer.get(url(name, records, key)).status_code == 403
    assert as_viewer.post(url(name, records, key), {"title": "x"}).status_code == 403
    assert as_contributor.get(url(name, records, key)).status_code == 200


@pytest.mark.parametrize(("name", "key", "minimum"), POSTS)
def test_each_step_needs_its_role(as_viewer, as_contributor, records, name, key, minimum):
    before = everything()
    assert as_viewer.post(url(name, records, key)).status_code == 403
    if minimum == "manager":
        assert as_contributor.post(url(name, records, key)).status_code == 403
    assert everything() == before


@pytest.mark.parametrize(("name", "key"), ID_PAGES + [(n, k) for n, k, _ in POSTS])
def test_an_outsider_gets_404_on_every_id(as_outsider, records, name, key):
    before = everything()
    assert as_outsider.get(url(name, records, key)).status_code == 404
    assert as_outsider.post(url(name, records, key), {"title": "Mine", "version": 1}).status_code == 404
    assert everything() == before


@pytest.mark.parametrize("name", ["issue_list", "party_list", "scope_list", "process_list", "role_list"])
def test_an_outsider_sees_empty_lists(as_outsider, records, name):
    body = as_outsider.get(reverse(f"context:{name}")).content.decode()
    for ref in ("CI-001", "IP-001", "PR-001", "ROL-001", "aluminium castings"):
        assert ref not in body


def test_anonymous_visitors_go_to_login(client, records):
    response = client.get(reverse("context:issue_list"))
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize(
    ("name", "key", "model"),
    [
        ("issue_delete", "issue", ContextIssue),
        ("party_delete", "party", InterestedParty),
        ("scope_delete", "scope", Scope),
        ("process_delete", "process", Process),
        ("role_delete", "role", OrganisationalRole),
    ],
)
def test_a_manager_deletes(as_manager, records, name, key, model):
    response = as_manager.post(url(name, records, key))
    assert response.status_code == 302
    assert not model.objects.filter(pk=records[key].pk).exists()


def test_a_contributor_creates_and_edits_an_issue(as_contributor, contributor, organisation, standards):
    from integrum.context.tests.factories import iso

    response = as_contributor.post(
        reverse("context:issue_create"),
        {
            "title": "Rising energy prices",
            "origin": "external",
            "category": "economic",
            "effect": "negative",
            "standards": [iso("ISO 14001").pk],
            "climate_related": "on",
            "owner": contributor.pk,
            "status": "active",
            "version": 1,
        },
    )
    issue = ContextIssue.objects.get()
    assert response.status_code == 302 and response.url == issue.get_absolute_url()
    assert (issue.reference, issue.climate_related, list(issue.standards.all())) == (
        "CI-001",
        True,
        [iso("ISO 14001")],
    )
    edit = {
        "title": "Energy prices",
        "origin": "external",
        "category": "threat",
        "effect": "mixed",
        "status": "active",
    }
    assert (
        as_contributor.post(
            reverse("context:issue_update", args=[issue.pk]), {**edit, "version": 1}
        ).status_code
        == 302
    )
    stale = as_contributor.post(
        reverse("context:issue_update", args=[issue.pk]), {**edit, "title": "Old", "version": 1}
    )
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()
    issue.refresh_from_db()
    assert (issue.title, issue.category) == ("Energy prices", "threat")


def test_the_form_shows_errors_and_saves_nothing(as_contributor, outsider):
    response = as_contributor.post(
        reverse("context:issue_create"),
        {"title": "", "origin": "x", "category": "gossip", "owner": outsider.pk},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ContextIssue.objects.exists()


def test_the_issue_page_lists_related_risks(as_viewer, records):
    issue = records["issue"]

    def provider(obj, user):
        return [Related("Risk", issue, "Open", "badge--due")] if obj == issue else []

    register_relations(provider)
    try:
        body = as_viewer.get(issue.get_absolute_url()).content.decode()
    finally:
        from integrum.core import relations

        relations._providers.remove(provider)
    assert "Related risks" in body and "badge--due" in body


def test_the_climate_card_asks_for_a_determination_then_shows_it(
    as_manager, as_viewer, manager, organisation
):
    body = as_viewer.get(reverse("context:issue_list")).content.decode()
    assert "Not determined yet" in body
    assert as_viewer.post(reverse("context:climate_determination"), {"relevant": "yes"}).status_code == 403
    refused = as_manager.post(reverse("context:climate_determination"), {"relevant": "yes", "rationale": ""})
    assert refused.status_code == 400 and not ClimateDetermination.objects.exists()
    response = as_manager.post(
        reverse("context:climate_determination"), {"relevant": "yes", "rationale": "Flooding of the works."}
    )
    assert response.status_code == 302
    determination = ClimateDetermination.objects.get()
    assert (determination.relevant, determination.decided_by) == (True, manager)
    as_manager.post(
        reverse("context:climate_determination"),
        {"relevant": "no", "rationale": "Moved inland.", "version": determination.version},
    )
    body = as_viewer.get(reverse("context:issue_list")).content.decode()
    assert "Moved inland." in body and "Earlier determinations" in body


def test_the_party_page_offers_to_create_the_obligation_once(as_contributor, as_viewer, records):
    party, requirement = records["party"], records["requirement"]
    PartyRequirement.objects.filter(pk=requirement.pk).update(becomes_obligation=True)
    body = as_contributor.get(party.get_absolute_url()).content.decode()
    from integrum.context.views.parties import obligation_url

    target = obligation_url(requirement)
    assert target and f'action="{target}"' in body and "Create the obligation" in body
    assert "Create the obligation" not in as_viewer.get(party.get_absolute_url()).content.decode()

    def provider(obj, user):
        return [Related("Compliance obligation", obj)] if isinstance(obj, PartyRequirement) else []

    register_relations(provider)
    try:
        body = as_contributor.get(party.get_absolute_url()).content.decode()
    finally:
        from integrum.core import relations

        relations._providers.remove(provider)
    assert "Create the obligation" not in body


def test_a_contributor_adds_a_requirement_and_the_rule_holds(as_contributor, records):
    party = records["party"]
    create = reverse("context:requirement_create", args=[party.pk])
    response = as_contributor.post(create, {"text": "Report spills", "becomes_obligation": "on"}, follow=True)
    assert "Only a requirement the organisation adopts" in response.content.decode()
    as_contributor.post(create, {"text": "Report spills", "adopted": "on", "becomes_obligation": "on"})
    assert party.requirements.filter(text="Report spills", becomes_obligation=True).exists()


def test_the_scope_page_declares_exclusions_within_the_rules(as_contributor, records):
    scope = records["scope"]
    create = reverse("context:exclusion_create", args=[scope.pk])
    not_allowed = Clause.objects.get(standard=scope.standard, number="8.5.1")
    assert as_contributor.post(create, {"clause": not_allowed.pk, "justification": "x"}).status_code == 400
    allowed = Clause.objects.get(standard=scope.standard, number="7.1.5")
    assert as_contributor.post(create, {"clause": allowed.pk, "justification": ""}).status_code == 400
    assert (
        as_contributor.post(create, {"clause": allowed.pk, "justification": "No measuring."}).status_code
        == 302
    )
    assert scope.exclusions.count() == 2


def test_the_scope_statement_prints_and_downloads(as_viewer, records):
    scope = records["scope"]
    page = as_viewer.get(reverse("context:scope_statement", args=[scope.pk])).content.decode()
    assert "aluminium castings" in page and "8.3" in page and "@media print" in page
    pdf = as_viewer.get(reverse("context:scope_statement", args=[scope.pk]) + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_process_page_adds_interactions_but_no_loops(as_contributor, records):
    process, other = records["process"], records["other_process"]
    create = reverse("context:interaction_create", args=[process.pk])
    assert as_contributor.post(create, {"to_process": process.pk}).status_code == 400  # itself: not offered
    response = as_contributor.post(create, {"to_process": other.pk}, follow=True)
    assert "already feeds" in response.content.decode()
    assert ProcessInteraction.objects.count() == 1


def test_the_process_map_shows_every_process(as_viewer, records, organisation):
    make_process(organisation, name="<Despatch & returns>")
    body = as_viewer.get(reverse("context:process_map")).content.decode()
    assert "PR-001" in body and "PR-002" in body and "PR-003" in body
    assert "&lt;Despatch &amp; returns&gt;" in body and "<Despatch" not in body
    assert records["process"].get_absolute_url() in body


def test_the_role_list_shows_who_holds_each_role(as_viewer, records, manager, organisation):
    make_role(organisation, title="Energy champion")
    body = as_viewer.get(reverse("context:role_list")).content.decode()
    assert str(manager) in body and "Vacant" in body


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_exports_the_filtered_list(as_viewer, records, organisation, fmt):
    make_issue(organisation, title="Brexit paperwork", category="political")
    response = as_viewer.get(reverse("context:issue_list") + f"?category=political&export={fmt}")
    assert response.status_code == 200
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    else:
        import csv

        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ("Reference", "Title") if fmt == "xlsx" else ["Reference", "Title"]
    assert [r[1] for r in rows[1:]] == ["Brexit paperwork"]


def test_an_outsider_exports_nothing(as_outsider, records):
    response = as_outsider.get(reverse("context:process_list") + "?export=csv")
    assert response.content.decode("utf-8-sig").strip().count("\n") == 0


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("issue_list", lambda org, n: make_issue(org, title=f"Issue {n}")),
        ("party_list", lambda org, n: make_party(org, name=f"Party {n}")),
        ("process_list", lambda org, n: make_process(org, name=f"Process {n}")),
        ("role_list", lambda org, n: make_role(org, title=f"Role {n}")),
    ],
)
def test_lists_cost_the_same_queries_for_more_rows(as_viewer, organisation, sites, count_queries, name, make):
    made = [0]

    def queries(total: int) -> int:
        while made[0] < total:
            make(organisation, made[0])
            made[0] += 1
        return count_queries(lambda: as_viewer.get(reverse(f"context:{name}")))

    assert queries(2) == queries(20) <= 16


def test_the_filters_narrow_the_list(as_viewer, organisation, standards):
    from integrum.context.tests.factories import iso

    make_issue(organisation, title="Quality only", standards=[iso("ISO 9001")])
    make_issue(organisation, title="Both standards")
    make_issue(organisation, title="Environment only", standards=[iso("ISO 14001")], climate_related=True)
    body = as_viewer.get(reverse("context:issue_list") + f"?standard={iso('ISO 9001').pk}").content.decode()
    assert "Quality only" in body and "Both standards" in body and "Environment only" not in body
    body = as_viewer.get(
        reverse("context:issue_list") + "?climate_related=true&ordering=-reference"
    ).content.decode()
    assert "Environment only" in body and "Quality only" not in body
