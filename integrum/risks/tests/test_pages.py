"""Pages per persona: the register with its heat maps and filters, a risk, its form, workflow,
actions, deletion, export and the matrix page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from integrum.actions.models import Action
from integrum.core.models import ObjectChange
from integrum.risks import services
from integrum.risks.models import Risk, RiskMatrix
from integrum.risks.tests.factories import make_risk
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db

LIST = reverse("risks:risk_list")


@pytest.fixture
def risk(organisation, manager, standards):
    return make_risk(organisation, manager, owner=manager, title="Foundry supply fails")


def form_data(**overrides):
    data = {
        "kind": "risk",
        "title": "Flood at the Leeds depot",
        "standards": [s.pk for s in Standard.objects.all()],
        "inherent_likelihood": "2",
        "inherent_consequence": "5",
        "treatment": "",
        "residual_likelihood": "",
        "residual_consequence": "",
        "source": "",
        "version": "1",
    }
    data.update(overrides)
    return data


def test_it_lists_risks_with_both_heat_maps_for_a_viewer(as_viewer, risk):
    body = as_viewer.get(LIST).content.decode()
    assert risk.reference in body and risk.title in body
    assert body.count("<svg") == 2
    assert 'href="/risks/?inherent_likelihood=3&amp;inherent_consequence=4"' in body
    assert "Inherent: likelihood 3 (Possible) × consequence 4 (Major) = 12, High — 1 risk" in body
    assert "<script" not in body.split("</head>")[1]


def test_it_filters_the_list_to_a_heat_map_cell(as_viewer, organisation, risk):
    other = make_risk(
        organisation, title="Minor paperwork slip", inherent_likelihood=1, inherent_consequence=1
    )
    body = as_viewer.get(LIST, {"inherent_likelihood": 3, "inherent_consequence": 4}).content.decode()
    assert risk.title in body and other.title not in body
    body = as_viewer.get(LIST, {"inherent_likelihood": 1, "inherent_consequence": 1}).content.decode()
    assert other.title in body and risk.title not in body


def test_it_filters_by_residual_cell_band_type_status_and_standard(as_viewer, organisation, risk):
    treated = make_risk(
        organisation, title="Treated one", treatment="mitigate", residual_likelihood=1, residual_consequence=2
    )
    opportunity = make_risk(
        organisation,
        title="Solar roof",
        kind="opportunity",
        standards=[Standard.objects.get(code="ISO 14001")],
    )

    def titles(**query):
        response = as_viewer.get(LIST, query)
        assert response.status_code == 200
        return {r.title for r in response.context["object_list"]}

    assert titles(residual_likelihood=1, residual_consequence=2) == {treated.title}
    assert titles(kind="opportunity") == {opportunity.title}
    assert titles(inherent_band="high") == {risk.title, treated.title, opportunity.title}
    assert titles(residual_band="low") == {treated.title}
    assert titles(standard=Standard.objects.get(code="ISO 9001").pk) == {risk.title, treated.title}
    assert titles(status="closed") == set()
    assert titles(q=risk.reference) == {risk.title}
    assert (
        next(iter(as_viewer.get(LIST, {"ordering": "title"}).context["object_list"])).title
        == "Foundry supply fails"
    )


def test_it_answers_a_bad_filter_with_an_empty_list_not_an_error(as_viewer, risk):
    response = as_viewer.get(LIST, {"inherent_likelihood": "9"})
    assert response.status_code == 200 and list(response.context["object_list"]) == []


def test_it_hides_risks_from_outsiders(as_outsider, risk):
    assert risk.title not in as_outsider.get(LIST).content.decode()
    for name in ("risk_detail", "risk_update"):
        assert as_outsider.get(reverse(f"risks:{name}", args=[risk.pk])).status_code == 404
    before = ObjectChange.objects.count()
    for name, data in (
        ("risk_transition", {"to": "closed"}),
        ("risk_delete", {}),
        ("risk_action_create", {"title": "x"}),
    ):
        assert as_outsider.post(reverse(f"risks:{name}", args=[risk.pk]), data).status_code == 404
    assert ObjectChange.objects.count() == before and Risk.objects.get(pk=risk.pk).status == "open"


def test_it_refuses_writes_to_viewers(as_viewer, risk):
    assert as_viewer.get(reverse("risks:risk_create")).status_code == 403
    assert as_viewer.post(reverse("risks:risk_create"), form_data()).status_code == 403
    assert (
        as_viewer.post(reverse("risks:risk_transition", args=[risk.pk]), {"to": "closed"}).status_code == 403
    )
    assert (
        as_viewer.post(reverse("risks:risk_action_create", args=[risk.pk]), {"title": "x"}).status_code == 403
    )
    assert as_viewer.get(reverse("risks:risk_import")).status_code == 403
    assert Risk.objects.count() == 1 and not Action.objects.exists()


def test_it_lets_only_managers_delete(as_contributor, as_manager, risk):
    assert as_contributor.post(reverse("risks:risk_delete", args=[risk.pk])).status_code == 403
    response = as_manager.post(reverse("risks:risk_delete", args=[risk.pk]))
    assert response.status_code == 302 and not Risk.objects.exists()


def test_it_registers_a_risk_from_the_form(as_contributor, contributor, standards):
    response = as_contributor.get(reverse("risks:risk_create"))
    assert response.status_code == 200
    assert "3 — Possible" in response.content.decode()
    response = as_contributor.post(reverse("risks:risk_create"), form_data(owner=contributor.pk))
    risk = Risk.objects.get()
    assert response.status_code == 302 and response.url == risk.get_absolute_url()
    assert (risk.reference, risk.inherent_score, risk.owner, risk.created_by) == (
        "RSK-001",
        10,
        contributor,
        contributor,
    )


def test_it_shows_the_rules_next_to_the_fields(as_contributor, standards):
    response = as_contributor.post(
        reverse("risks:risk_create"),
        form_data(treatment="pursue", residual_likelihood="5", residual_consequence="5"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The treatment of a risk is avoid or mitigate or transfer or accept." in body
    assert "higher than the inherent score" in body
    assert not Risk.objects.exists()


def test_it_links_a_source_from_the_picker(as_contributor, organisation, standards, action_sources):
    from integrum.actions.tests.factories import make_action

    source = make_action(organisation, title="Stand-in source")
    page = as_contributor.get(reverse("risks:risk_create"), {"source": f"actions.action:{source.pk}"})
    assert f'value="actions.action:{source.pk}" selected' in page.content.decode()
    response = as_contributor.post(
        reverse("risks:risk_create"), form_data(source=f"actions.action:{source.pk}")
    )
    assert response.status_code == 302
    assert Risk.objects.get().source == source
    bad = as_contributor.post(
        reverse("risks:risk_create"), form_data(title="Other", source="actions.action:999999")
    )
    assert bad.status_code == 400 and Risk.objects.count() == 1


def test_it_refuses_a_stale_edit_from_the_form(as_contributor, risk):
    url = reverse("risks:risk_update", args=[risk.pk])
    assert as_contributor.post(url, form_data(title="First", version=risk.version)).status_code == 302
    response = as_contributor.post(url, form_data(title="Second", version=risk.version))
    assert response.status_code == 400 and "changed by someone else" in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).title == "First"


def test_it_shows_a_risk_with_actions_history_and_only_allowed_buttons(as_contributor, contributor, risk):
    url = reverse("risks:risk_detail", args=[risk.pk])
    response = as_contributor.post(
        reverse("risks:risk_action_create", args=[risk.pk]), {"title": "Second foundry", "priority": "high"}
    )
    assert response.status_code == 302
    body = as_contributor.get(url).content.decode()
    assert "ACT-0001" in body and "Second foundry" in body
    assert "Mark treated" in body and "Close" in body and "Reopen" not in body
    assert ">Delete<" not in body  # contributors cannot delete
    assert "Created" in body or "created" in body
    response = as_contributor.post(
        reverse("risks:risk_transition", args=[risk.pk]), {"to": "treated"}, follow=True
    )
    assert "choose a treatment" in response.content.decode()


def test_it_exports_the_filtered_list(as_viewer, organisation, risk):
    make_risk(organisation, title="Paper slip", inherent_likelihood=1, inherent_consequence=1)
    response = as_viewer.get(LIST, {"export": "csv", "inherent_likelihood": 3, "inherent_consequence": 4})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Type", "Title"] and len(rows) == 2
    assert rows[1][:3] == ["RSK-001", "Risk", "Foundry supply fails"] and rows[1][10:12] == ["12", "High"]
    response = as_viewer.get(LIST, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3


def test_it_costs_the_same_queries_for_five_or_fifty_risks(as_viewer, organisation, standards, count_queries):
    for n in range(5):
        make_risk(
            organisation,
            title=f"Risk {n}",
            treatment="mitigate",
            residual_likelihood=1,
            residual_consequence=1,
        )
    few = count_queries(lambda: as_viewer.get(LIST))
    for n in range(45):
        make_risk(
            organisation, title=f"More {n}", inherent_likelihood=1 + n % 5, inherent_consequence=1 + n % 4
        )
    assert count_queries(lambda: as_viewer.get(LIST)) == few
    assert count_queries(lambda: as_viewer.get(LIST, {"export": "csv"})) == count_queries(
        lambda: as_viewer.get(LIST, {"export": "csv", "status": "open"})
    )


def test_it_shows_the_matrix_to_everyone_and_lets_only_admins_change_it(
    as_viewer, as_manager, as_admin, organisation
):
    url = reverse("risks:matrix")
    body = as_viewer.get(url).content.decode()
    assert "Almost certain" in body and "Change the matrix" not in body
    data = {
        "based_on": "1",
        "size": "3",
        "likelihood_labels": "Low\nMedium\nHigh",
        "consequence_labels": "Minor\nSerious\nSevere",
        "bands": "2, Acceptable, low\n5, Tolerable, medium\n9, Intolerable, critical",
        "note": "Simpler",
    }
    assert as_manager.post(url, data).status_code == 403
    assert RiskMatrix.objects.count() == 1
    bad = as_admin.post(url, {**data, "bands": "2, Acceptable, low\n8, Tolerable, medium"})
    assert bad.status_code == 400 and "must end at the highest score, 9" in bad.content.decode()
    bad = as_admin.post(url, {**data, "likelihood_labels": "Low\nHigh"})
    assert bad.status_code == 400 and "Give exactly 3 likelihood labels" in bad.content.decode()
    assert RiskMatrix.objects.count() == 1
    assert as_admin.post(url, data).status_code == 302
    assert services.risk_matrix_current(organisation).number == 2
    stale = as_admin.post(url, {**data, "note": "again"})
    assert stale.status_code == 400 and "while you were editing" in stale.content.decode()


def test_it_lists_the_register_in_the_plan_menu(as_viewer, risk):
    body = as_viewer.get(reverse("reports:home")).content.decode()
    assert "Risks &amp; opportunities" in body and '<span class="sidebar__clauses">6.1</span>' in body
