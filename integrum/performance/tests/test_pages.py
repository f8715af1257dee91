"""The KPI and objective pages for every persona, writes through the forms, exports, the trend
chart, links shown on other records' pages, clause evidence and query-count guards."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from integrum.actions.models import Action
from integrum.conftest import add_member, client_for, make_user
from integrum.core.charts import ReferenceLine, line_chart
from integrum.core.models import ObjectChange, Role
from integrum.environment.tests.factories import make_aspect, make_obligation
from integrum.measurement.models import Meter
from integrum.performance import services
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.tests.builders import (
    both_standards,
    make_kpi,
    make_meter,
    make_objective,
    month,
    total,
)
from integrum.risks.tests.factories import make_risk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

D = Decimal
TODAY = dt.datetime(2025, 7, 2, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(name, *args):
    return reverse(f"performance:{name}", args=args)


def body(response):
    return response.content.decode()


@pytest.fixture
def kpi(organisation, contributor):
    kpi = make_kpi(
        organisation, owner=contributor, target=D(20), warning_threshold=D(45), baseline_value=D(40)
    )
    services.kpi_value_record(kpi=kpi, period=dt.date(2025, 5, 1), value=33, user=contributor)
    services.kpi_value_record(kpi=kpi, period=dt.date(2025, 6, 1), value=30, user=contributor)
    return kpi


@pytest.fixture
def objective(organisation, kpi, contributor):
    return make_objective(organisation, kpi=kpi, owner=contributor, target_value=D(20))


def counts():
    return (
        ObjectChange.objects.count(),
        Kpi.objects.count(),
        KpiValue.objects.count(),
        Objective.objects.count(),
        Action.objects.count(),
    )


# --- Reading ---------------------------------------------------------------------------------


def test_a_viewer_reads_every_page_without_write_buttons(as_viewer, kpi, objective):
    html = body(as_viewer.get(url("kpi_list")))
    assert kpi.reference in html and "30 complaints" in html and "Off target" in html
    html = body(as_viewer.get(kpi.get_absolute_url()))
    assert "<svg" in html and "Target 20" in html and "Warning 45" in html and "Jun 2025" in html
    assert "Record the value" not in html and "Edit" not in html
    html = body(as_viewer.get(url("objective_list")))
    assert objective.reference in html and "On track" in html
    html = body(as_viewer.get(objective.get_absolute_url()))
    assert "On track." in html and "50 % of the way" in html and kpi.reference in html
    assert "Plan action" not in html and "Cancel the objective" not in html


def test_the_menu_lists_both_pages_with_their_clauses(as_viewer):
    html = body(as_viewer.get(url("kpi_list")))
    assert url("objective_list") in html and url("kpi_list") in html
    assert "6.2" in html and "9.1.1" in html


def test_an_outsider_sees_nothing(as_outsider, kpi, objective):
    for record in (kpi, objective):
        assert as_outsider.get(record.get_absolute_url()).status_code == 404
    assert kpi.reference not in body(as_outsider.get(url("kpi_list")))
    assert objective.reference not in body(as_outsider.get(url("objective_list")))
    before = counts()
    for name, args in (
        ("kpi_value_record", [kpi.pk]),
        ("kpi_update", [kpi.pk]),
        ("kpi_delete", [kpi.pk]),
        ("kpi_value_delete", [kpi.pk, KpiValue.objects.first().pk]),
        ("objective_update", [objective.pk]),
        ("objective_cancel", [objective.pk]),
        ("objective_reinstate", [objective.pk]),
        ("objective_action_create", [objective.pk]),
        ("objective_delete", [objective.pk]),
    ):
        assert as_outsider.post(url(name, *args), {"title": "x", "reason": "x"}).status_code == 404, name
    assert counts() == before


def test_a_viewer_cannot_write(as_viewer, kpi, objective):
    before = counts()
    assert as_viewer.get(url("kpi_create")).status_code == 403
    assert as_viewer.get(url("objective_create")).status_code == 403
    assert as_viewer.get(url("kpi_value_import")).status_code == 403
    for name, args, data in (
        ("kpi_value_record", [kpi.pk], {"period": "2025-04", "value": "1"}),
        ("kpi_update", [kpi.pk], {"name": "x"}),
        ("objective_update", [objective.pk], {"title": "x"}),
        ("objective_action_create", [objective.pk], {"title": "x"}),
        ("objective_cancel", [objective.pk], {"reason": "x"}),
        ("objective_reinstate", [objective.pk], {}),
        ("objective_delete", [objective.pk], {}),
        ("kpi_delete", [kpi.pk], {}),
        ("kpi_value_delete", [kpi.pk, KpiValue.objects.first().pk], {}),
    ):
        assert as_viewer.post(url(name, *args), data).status_code == 403, name
    assert counts() == before


def test_a_contributor_cannot_close_or_delete(as_contributor, kpi, objective):
    before = counts()
    for name, args in (
        ("objective_cancel", [objective.pk]),
        ("objective_reinstate", [objective.pk]),
        ("objective_delete", [objective.pk]),
        ("kpi_delete", [kpi.pk]),
        ("kpi_value_delete", [kpi.pk, KpiValue.objects.first().pk]),
    ):
        assert as_contributor.post(url(name, *args), {"reason": "x"}).status_code == 403, name
    assert counts() == before


def test_the_lists_filter(as_viewer, organisation, kpi, objective):
    other = make_kpi(organisation, name="Energy", unit="kWh", source="meters", meter_kind="electricity")
    make_objective(
        organisation, title="Later", kpi=other, start_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 6, 1)
    )
    html = body(as_viewer.get(url("kpi_list"), {"source": "meters"}))
    assert other.reference in html and kpi.reference not in html
    html = body(as_viewer.get(url("objective_list"), {"status": "on_track"}))
    assert objective.reference in html and "OBJ-0002" not in html
    html = body(as_viewer.get(url("objective_list"), {"status": "no_data"}))
    assert objective.reference not in html and "OBJ-0002" in html
    html = body(as_viewer.get(url("objective_list"), {"due_before": "2025-12-31"}))
    assert objective.reference in html and "OBJ-0002" not in html
    assert as_viewer.get(url("objective_list"), {"status": "bogus"}).status_code == 200


# --- Writing ---------------------------------------------------------------------------------


def kpi_form(**overrides):
    data = {
        "name": "Water used",
        "standards": [s.pk for s in both_standards()],
        "source": "meters",
        "meter_kind": "water",
        "unit": "m3",
        "direction": "lower",
        "target": "100",
        "warning_threshold": "120",
        "frequency": "monthly",
        "roll_up": "sum",
        "is_active": "on",
        "version": 1,
    }
    data.update(overrides)
    return data


def test_a_contributor_defines_and_edits_a_kpi(as_contributor, organisation, sites):
    make_meter(organisation, sites[0], "W1", Meter.Kind.WATER, "m3")
    response = as_contributor.post(url("kpi_create"), kpi_form())
    assert response.status_code == 302, body(response)
    kpi = Kpi.objects.get()
    assert (kpi.reference, kpi.meter_kind, kpi.unit) == ("KPI-0001", "water", "m3")
    response = as_contributor.post(url("kpi_update", kpi.pk), kpi_form(unit="litres", version=1))
    assert response.status_code == 302
    response = as_contributor.post(url("kpi_update", kpi.pk), kpi_form(unit="kWh", version=2))
    assert response.status_code == 400 and "cannot be converted" in body(response)
    assert Kpi.objects.get().unit == "litres"


def test_bad_kpi_input_shows_errors_and_changes_nothing(as_contributor):
    before = counts()
    response = as_contributor.post(url("kpi_create"), kpi_form(warning_threshold="90"))
    assert response.status_code == 400 and "warning threshold must be above" in body(response)
    response = as_contributor.post(url("kpi_create"), kpi_form(standards=[], target="lots"))
    assert response.status_code == 400
    assert counts() == before


def test_values_are_entered_corrected_and_removed_on_the_kpis_page(as_contributor, as_manager, kpi):
    response = as_contributor.post(
        url("kpi_value_record", kpi.pk), {"period": "2025-04", "value": "36", "quality": "estimated"}
    )
    assert response.status_code == 302
    value = KpiValue.objects.get(period=dt.date(2025, 4, 1))
    assert (value.value, value.quality) == (36, "estimated")
    response = as_contributor.post(
        url("kpi_value_record", kpi.pk), {"period": "2025-04-20", "value": "37", "quality": "measured"}
    )
    assert response.status_code == 400 and "already has a value" in body(response)
    html = body(as_contributor.get(kpi.get_absolute_url(), {"edit": value.pk}))
    assert "Save the change" in html and 'value="2025-04"' in html
    response = as_contributor.post(
        url("kpi_value_record", kpi.pk),
        {"period": "2025-04", "value": "37", "quality": "measured", "version": value.version},
    )
    assert response.status_code == 302 and KpiValue.objects.get(pk=value.pk).value == 37
    response = as_contributor.post(
        url("kpi_value_record", kpi.pk),
        {"period": "2025-04", "value": "38", "quality": "measured", "version": value.version},
    )
    assert response.status_code == 400 and "changed by someone else" in body(response)
    assert as_contributor.post(url("kpi_value_delete", kpi.pk, value.pk)).status_code == 403
    assert as_manager.post(url("kpi_value_delete", kpi.pk, value.pk)).status_code == 302
    assert not KpiValue.objects.filter(pk=value.pk).exists()


def test_bad_periods_are_refused_on_the_page(as_contributor, kpi):
    before = counts()
    for period in ("2025-13", "soon", "2025", "2025-Q2", "2025-09"):
        response = as_contributor.post(
            url("kpi_value_record", kpi.pk), {"period": period, "value": "3", "quality": "measured"}
        )
        assert response.status_code == 400, period
    assert counts() == before


def test_a_contributor_sets_an_objective_and_plans_actions(as_contributor, organisation, contributor, kpi):
    aspect = make_aspect(organisation)
    obligation = make_obligation(organisation, contributor)
    risk = make_risk(organisation, contributor)
    response = as_contributor.post(
        url("objective_create"),
        {
            "title": "Halve complaints",
            "statement": "Customers should not have to complain.",
            "standards": [s.pk for s in both_standards()],
            "kpi": kpi.pk,
            "target_value": "20",
            "start_date": "2025-01-01",
            "due_date": "2025-12-31",
            "owner": contributor.pk,
            "aspects": [aspect.pk],
            "obligations": [obligation.pk],
            "risks": [risk.pk],
            "version": 1,
        },
    )
    assert response.status_code == 302, body(response)
    objective = Objective.objects.get()
    assert list(objective.aspects.all()) == [aspect]
    response = as_contributor.post(
        url("objective_action_create", objective.pk),
        {"title": "Call back every complainant", "priority": "high"},
    )
    assert response.status_code == 302
    action = Action.objects.raised_by(objective).get()
    html = body(as_contributor.get(objective.get_absolute_url()))
    assert action.reference in html and "Call back every complainant" in html
    # The aspect's, obligation's and risk's pages show the objective that addresses them.
    assert objective.reference in body(as_contributor.get(aspect.get_absolute_url()))
    assert objective.reference in body(as_contributor.get(obligation.get_absolute_url()))
    assert objective.reference in body(as_contributor.get(risk.get_absolute_url()))


def test_bad_objective_input_changes_nothing(as_contributor, contributor):
    before = counts()
    response = as_contributor.post(
        url("objective_create"),
        {
            "title": "Backwards",
            "statement": "x",
            "standards": [s.pk for s in both_standards()],
            "start_date": "2025-06-01",
            "due_date": "2025-01-01",
            "owner": contributor.pk,
            "version": 1,
        },
    )
    assert response.status_code == 400 and "cannot be before the start date" in body(response)
    assert counts() == before


def test_only_managers_cancel_reinstate_and_delete(as_contributor, as_manager, objective):
    assert as_contributor.post(url("objective_cancel", objective.pk), {"reason": "x"}).status_code == 403
    assert as_manager.post(url("objective_cancel", objective.pk), {"reason": ""}).status_code == 302
    assert not Objective.objects.get(pk=objective.pk).is_cancelled
    assert (
        as_manager.post(url("objective_cancel", objective.pk), {"reason": "Sold the plant"}).status_code
        == 302
    )
    html = body(as_manager.get(objective.get_absolute_url()))
    assert "Cancelled" in html and "Sold the plant" in html and "Reinstate" in html
    assert as_manager.post(url("objective_reinstate", objective.pk)).status_code == 302
    assert as_manager.post(url("objective_delete", objective.pk)).status_code == 302
    assert not Objective.objects.exists()


def test_a_kpi_in_use_is_not_deleted(as_manager, kpi, objective):
    response = as_manager.post(url("kpi_delete", kpi.pk), follow=True)
    assert "was not deleted" in body(response) and Kpi.objects.filter(pk=kpi.pk).exists()


# --- Exports and computed KPIs ---------------------------------------------------------------


def test_the_values_export_in_the_import_columns(as_viewer, kpi):
    text = as_viewer.get(kpi.get_absolute_url(), {"export": "csv"}).content.decode("utf-8-sig")
    assert text.splitlines()[0] == "KPI,Site,Period,Value,Quality,Note"
    assert f"{kpi.reference},,2025-05,33.0,Measured," in text
    sheet = load_workbook(
        io.BytesIO(as_viewer.get(kpi.get_absolute_url(), {"export": "xlsx"}).content)
    ).active
    assert [c.value for c in sheet[3]][:4] == [kpi.reference, None, "2025-06", 30]


def test_a_computed_kpi_shows_and_exports_its_series(as_viewer, organisation, sites):
    meter = make_meter(organisation, sites[0], "E1")
    total(meter, month(2025, 5), 1200, estimated=200)
    total(meter, month(2025, 7), 900)  # July is not over
    kpi = make_kpi(organisation, name="Electricity", unit="MWh", source="meters", meter_kind="electricity")
    html = body(as_viewer.get(kpi.get_absolute_url()))
    assert "May 2025" in html and "1.2 MWh" in html and "Estimated" in html and "Record the value" not in html
    text = as_viewer.get(kpi.get_absolute_url(), {"export": "csv"}).content.decode("utf-8-sig")
    assert f"{kpi.reference},,2025-05,1.2,Estimated,Computed" in text and "2025-07" not in text


def test_a_site_limited_member_sees_their_sites_figures(organisation, sites, kpi):
    local = make_user("lena@acme.test", "Lena", "Local")
    add_member(organisation, local, Role.VIEWER, sites=[sites[1]])
    KpiValue.objects.create(
        organisation=organisation, kpi=kpi, site=sites[0], period=month(2025, 3), value=D(7)
    )
    KpiValue.objects.create(
        organisation=organisation, kpi=kpi, site=sites[1], period=month(2025, 3), value=D(9)
    )
    html = body(client_for(local).get(kpi.get_absolute_url(), {"from": "2025-03", "to": "2025-03"}))
    assert "Mar 2025: 9 complaints" in html and "Mar 2025: 16" not in html


def test_the_line_chart_names_itself_and_offers_a_table():
    svg = line_chart(
        "Energy & water",
        [("Jan", 1.5), ("Feb", None), ("Mar", 2), ("Apr", 2.5)],
        unit="kWh",
        references=[ReferenceLine("Target", 1.8)],
    )
    assert '<title id="' in svg and "<desc id=" in svg and "Energy &amp; water" in svg
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1  # Feb is a gap
    assert "<summary>Data table</summary>" in svg and '<td class="num">—</td>' in svg
    assert "Target: 1.8 kWh" in svg
    assert "<details" not in line_chart("Empty", [("Jan", None)], table=False)


# --- Registries ------------------------------------------------------------------------------


def test_objectives_and_kpis_serve_their_clauses(organisation, viewer, kpi, objective):
    from integrum.standards.evidence import records_for_clauses
    from integrum.standards.models import Clause

    clauses = {
        (c.standard.code, c.number): c.pk
        for c in Clause.objects.filter(number__in=["6.2.1", "6.2.2", "9.1.1"]).select_related("standard")
    }
    found = records_for_clauses(viewer, organisation, clauses.values())
    for code in ("ISO 9001", "ISO 14001"):
        assert [r.reference for r in found[clauses[(code, "6.2.1")]]] == [objective.reference]
        assert [r.reference for r in found[clauses[(code, "9.1.1")]]] == [kpi.reference]
        assert found[clauses[(code, "9.1.1")]][0].effective


def test_the_search_box_finds_objectives_and_kpis(as_viewer, kpi, objective):
    response = as_viewer.get(reverse("reports:search"), {"q": objective.reference})
    assert response.status_code == 302 and response["Location"] == objective.get_absolute_url()
    assert kpi.reference in body(as_viewer.get(reverse("reports:search"), {"q": "complaints"}))


# --- Cost ------------------------------------------------------------------------------------


def _grow(organisation, contributor, count):
    for i in range(count):
        kpi = make_kpi(organisation, name=f"KPI {i}", target=D(5), owner=contributor)
        KpiValue.objects.create(organisation=organisation, kpi=kpi, period=month(2025, 5), value=D(i))
        make_objective(organisation, title=f"Objective {i}", kpi=kpi, owner=contributor, baseline_value=D(50))


@pytest.mark.parametrize("name", ["kpi_list", "objective_list"])
def test_list_pages_cost_the_same_for_few_and_many_rows(
    as_viewer, organisation, contributor, count_queries, name
):
    _grow(organisation, contributor, 2)
    few = count_queries(lambda: as_viewer.get(url(name)))
    _grow(organisation, contributor, 6)
    many = count_queries(lambda: as_viewer.get(url(name)))
    assert few == many


def test_record_pages_cost_the_same_for_few_and_many_values(
    as_viewer, organisation, contributor, count_queries
):
    _grow(organisation, contributor, 1)
    kpi, objective = Kpi.objects.get(), Objective.objects.get()
    pages = [kpi.get_absolute_url(), objective.get_absolute_url()]
    few = [count_queries(lambda page=page: as_viewer.get(page)) for page in pages]
    for number in range(1, 5):
        KpiValue.objects.create(
            organisation=organisation, kpi=kpi, period=month(2025, number), value=D(number)
        )
        services.objective_action_create(objective=objective, created_by=contributor, title=f"Step {number}")
    many = [count_queries(lambda page=page: as_viewer.get(page)) for page in pages]
    assert few == many
