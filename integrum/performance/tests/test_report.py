"""The annual environmental performance report: HTML preview, PDF and XLSX carry the dashboard's figures."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from integrum.conftest import add_member, client_for, make_user
from integrum.core.models import Role
from integrum.ghg import services as ghg_services
from integrum.ghg.models import EmissionSource
from integrum.ghg.tests.factories import make_meter
from integrum.measurement.models import MonthlyTotal, SiteFigure
from integrum.performance import dashboard as selectors
from integrum.performance.report import months_expected
from integrum.performance.tests.test_dashboard import OGL, add_readings, build_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(organisation, sites):
    made = build_data(organisation, sites)
    for site, value in zip(sites, (600, 120), strict=True):
        SiteFigure.objects.create(
            organisation=organisation,
            site=site,
            kind=SiteFigure.Kind.OUTPUT,
            month=dt.date(2026, 3, 1),
            value=value,
            unit="t castings",
        )
    return made


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_preview_shows_the_headline_figures_data_quality_and_the_attribution(as_viewer, data):
    response = as_viewer.get("/performance/report/2026/")
    assert response.status_code == 200
    html = flat(response.content.decode())
    assert "Environmental performance 2026" in html
    assert "108.0 MWh" in html and "23.14 t CO₂e" in html and "market-based 30.39 t CO₂e" in html
    assert OGL in html and "IPCC AR5" in html
    assert "6 of 10" in html  # each meter's months with readings, of the months ended
    assert 'href="/performance/report/2026.pdf"' in html and 'href="/performance/report/2026.xlsx"' in html


def test_the_pdf_is_a_real_pdf_with_the_figures_and_the_attribution(as_viewer, data):
    response = as_viewer.get("/performance/report/2026.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="environmental-performance-2026-' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 3
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    assert "Environmental performance 2026" in text
    assert "108.0 MWh" in text and "240.0 m³" in text and "24.00 t" in text
    assert "23.14 t CO" in text and "16.15 t CO" in text  # the total and scope 2, location-based
    assert OGL in text
    assert "Page 1 of" in text


def test_the_workbook_holds_the_dashboards_figures_sheet_by_sheet(as_viewer, viewer, data):
    response = as_viewer.get("/performance/report/2026.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="environmental-performance-2026.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Summary",
        "Energy",
        "Water",
        "Waste",
        "Materials",
        "Emissions by scope",
        "Emissions by site",
        "Emissions by gas",
        "Intensity",
        "Objectives",
        "Data quality",
        "Factor dataset",
    ]
    board = selectors.dashboard(viewer, data.organisation, year=2026)

    summary = {row[0]: row for row in rows_of(book["Summary"])[6:]}
    for line in [board.energy_total, board.water, board.waste_total, *board.emissions.headline]:
        assert summary[line.label][2] == pytest.approx(float(line.total)), line.label
        assert summary[line.label][3] == pytest.approx(float(line.previous_total)), line.label
    assert summary["Energy"][4] == pytest.approx(12.5)
    assert summary["Energy"][5] == "Jan–Jun"

    energy = {(row[0], row[2]): row for row in rows_of(book["Energy"])[1:]}
    electricity = energy[("Electricity", 2026)]
    assert electricity[1] == "MWh" and electricity[3:9] == (13, 13, 13, 13, 13, 13) and electricity[15] == 78
    assert energy[("Electricity", 2025)][15] == 144
    assert energy[("Diesel", 2026)][1] == "litres" and energy[("Diesel", 2026)][15] == 600

    scopes = {(row[0], row[2]): row[15] for row in rows_of(book["Emissions by scope"])[1:]}
    for line in board.emissions.headline:
        assert scopes[(line.label, 2026)] == pytest.approx(float(line.total))
        assert scopes[(line.label, 2025)] == pytest.approx(float(line.previous_total))
    assert scopes[("Scope 2, market-based", 2026)] == pytest.approx(23.4)

    by_site = {row[0]: row[1:] for row in rows_of(book["Emissions by site"])[1:]}
    assert by_site["Leeds depot"] == pytest.approx((2.4846, 3.6, 4.9692, 4.9692))
    assert sum(row[0] for row in by_site.values()) == pytest.approx(float(board.emissions.total.total))

    gases = {row[0]: row[1] for row in rows_of(book["Emissions by gas"])[1:] if row[0]}
    assert sum(gases.values()) == pytest.approx(float(board.emissions.total.total))

    waste = rows_of(book["Waste"])
    assert ("Reused, recycled or recovered", 75) in [row[:2] for row in waste]

    intensity = {(row[0], row[1]): row for row in rows_of(book["Intensity"])[1:]}
    assert rows_of(book["Intensity"])[0][3] == "per t castings 2026"
    assert intensity[("Birmingham works", "Energy")][3] == pytest.approx(96 / 600)

    quality = {row[0]: row for row in rows_of(book["Data quality"])[1:] if row[0]}
    assert quality["E-LDS"][5:8] == (6, months_expected(2026, dt.date.today()), 12000)

    dataset = rows_of(book["Factor dataset"])
    assert dataset[1][0] == 2026 and dataset[1][7] == OGL and "AR5" in dataset[1][5]


def test_one_sites_report_holds_only_that_site(as_manager, data, sites):
    response = as_manager.get(f"/performance/report/2026.xlsx?site={sites[1].pk}")
    assert response["Content-Disposition"].endswith('-lds.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row for row in rows_of(book["Summary"])[6:]}
    assert summary["Energy"][2] == 12
    assert [row[0] for row in rows_of(book["Emissions by site"])[1:]] == ["Leeds depot"]
    meters = rows_of(book["Data quality"])[1:]
    meters = meters[: [row[0] for row in meters].index(None)]  # the meters come before a blank row
    assert {row[2] for row in meters} == {"Leeds depot"}


def test_a_site_limited_member_gets_only_their_sites_in_every_format(organisation, sites, data, as_manager):
    # A Birmingham source the inventory cannot work out: its problem names the Birmingham meter.
    steam = make_meter(organisation, sites[0], "H-BHM", "heat", "kWh")
    add_readings(organisation, steam, {(2026, 1): "500"})
    EmissionSource.objects.create(
        organisation=organisation, meter=steam, family="desnz", factor_key="steam", scope=2
    )
    ghg_services.inventory_recalculate(data.inventories[2026])
    assert "H-BHM" in as_manager.get("/performance/report/2026/").content.decode()
    user = make_user("lena@acme.test", "Lena", "Leeds")
    add_member(organisation, user, Role.VIEWER, sites=[sites[1]])
    client = client_for(user)
    html = client.get("/performance/report/2026/").content.decode()
    assert "Birmingham" not in html and "Leeds depot" in html
    assert "H-BHM" not in html and "The inventory lists 1 problem across the organisation" in html
    book = load_workbook(io.BytesIO(client.get("/performance/report/2026.xlsx").content))
    text = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "Birmingham" not in text and "E-BHM" not in text and "H-BHM" not in text
    pdf = PdfReader(io.BytesIO(client.get("/performance/report/2026.pdf").content))
    assert "Birmingham" not in " ".join(page.extract_text() for page in pdf.pages)
    for suffix in ("/", ".pdf", ".xlsx"):
        assert client.get(f"/performance/report/2026{suffix}?site={sites[0].pk}").status_code == 404


def test_an_outsider_gets_a_report_of_their_own_organisation_only(as_outsider, data):
    response = as_outsider.get("/performance/report/2026.xlsx")
    assert response.status_code == 200
    text = " ".join(
        str(cell)
        for sheet in load_workbook(io.BytesIO(response.content))
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )
    assert "Birmingham" not in text and "E-BHM" not in text and OGL not in text


def test_signing_in_is_required_and_years_out_of_range_do_not_exist(client, as_manager, data):
    for suffix in ("/", ".pdf", ".xlsx"):
        assert client.get(f"/performance/report/2026{suffix}").status_code == 302
        assert as_manager.get(f"/performance/report/1800{suffix}").status_code == 404
        assert as_manager.get(f"/performance/report/2026{suffix}?site=abc").status_code == 404


def test_a_year_without_an_inventory_says_so_in_the_report(as_manager, organisation, sites):
    build_data(organisation, sites, inventories=False)
    html = flat(as_manager.get("/performance/report/2026/").content.decode())
    assert "There is no greenhouse-gas inventory for 2026" in html
    book = load_workbook(io.BytesIO(as_manager.get("/performance/report/2026.xlsx").content))
    assert ("No GHG inventory for 2026.",) in [row[:1] for row in rows_of(book["Data quality"])]
    assert rows_of(book["Factor dataset"])[1:] == []


def test_the_report_costs_a_fixed_number_of_queries_whatever_the_amount_of_data(
    as_manager, organisation, sites, data, count_queries
):
    small = {
        suffix: count_queries(lambda suffix=suffix: as_manager.get(f"/performance/report/2026{suffix}"))
        for suffix in ("/", ".xlsx")
    }
    meters = [
        make_meter(organisation, sites[i % 2], f"M{i}", kind, unit)
        for i, (kind, unit) in enumerate(
            [("electricity", "MWh"), ("water", "m³"), ("waste", "kg"), ("gas", "m³")] * 5
        )
    ]
    MonthlyTotal.objects.bulk_create(
        MonthlyTotal(
            organisation=organisation,
            site_id=meter.site_id,
            meter=meter,
            month=dt.date(year, month, 1),
            quantity=Decimal(9),
            reading_count=3,
        )
        for meter in meters
        for year in (2025, 2026)
        for month in range(1, 13)
    )
    SiteFigure.objects.bulk_create(
        SiteFigure(
            organisation=organisation,
            site=site,
            kind=SiteFigure.Kind.EMPLOYEES,
            month=dt.date(2026, m, 1),
            value=Decimal(40),
        )
        for site in sites
        for m in range(1, 13)
    )
    ghg_services.inventory_recalculate(data.inventories[2026])
    large = {
        suffix: count_queries(lambda suffix=suffix: as_manager.get(f"/performance/report/2026{suffix}"))
        for suffix in ("/", ".xlsx")
    }
    assert small == large
