"""Importing KPI values from CSV and XLSX: a dry run with row-level errors, then all rows or none."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from integrum.conftest import add_member, client_for, make_user
from integrum.core.models import ObjectChange, Role
from integrum.performance import services
from integrum.performance.models import Kpi, KpiValue
from integrum.performance.tests.builders import make_kpi

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

HEADINGS = ["KPI", "Site", "Period", "Value", "Quality", "Note"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 7, 2, 12, tzinfo=dt.UTC), tick=False):
        yield


def csv_file(rows, headings=HEADINGS, delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headings)
    writer.writerows(rows)
    return SimpleUploadedFile("values.csv", buffer.getvalue().encode(), content_type="text/csv")


def xlsx_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("values.xlsx", buffer.getvalue())


def post(client, upload, action="import"):
    return client.post(reverse("performance:kpi_value_import"), {"file": upload, "action": action})


def counts():
    return ObjectChange.objects.count(), KpiValue.objects.count()


@pytest.fixture
def kpis(organisation, sites):
    monthly = make_kpi(organisation)
    quarterly = make_kpi(organisation, name="Audits", unit="audits", frequency=Kpi.Frequency.QUARTERLY)
    return monthly, quarterly


def test_it_checks_then_imports_values(as_contributor, kpis, sites):
    monthly, quarterly = kpis
    rows = [
        [monthly.reference, "BHM", "2025-03", "4", "Measured", ""],
        [monthly.reference, "lds", "2025-03-31", "2,5", "estimated", "From the helpdesk"],
        [monthly.reference.lower(), "", "2025-04", "7", "", ""],
        [quarterly.reference, "", "Q1 2025", "3", "Invoiced", ""],
    ]
    before = counts()
    response = post(as_contributor, csv_file(rows), action="check")
    assert response.status_code == 200 and "can be imported" in response.content.decode()
    assert counts() == before
    response = post(as_contributor, csv_file(rows))
    assert response.status_code == 200 and "Imported 4 rows" in response.content.decode()
    stored = {
        (v.kpi_id, v.site.code if v.site else "", v.period): (v.value, v.quality, v.origin)
        for v in KpiValue.objects.all()
    }
    assert stored[(monthly.pk, "LDS", dt.date(2025, 3, 1))] == (Decimal("2.5"), "estimated", "import")
    assert stored[(quarterly.pk, "", dt.date(2025, 1, 1))] == (Decimal(3), "invoiced", "import")


def test_an_xlsx_file_replaces_values_already_there(as_contributor, contributor, kpis):
    monthly, _ = kpis
    services.kpi_value_record(kpi=monthly, period=dt.date(2025, 3, 1), value=4, user=contributor)
    response = post(
        as_contributor, xlsx_file([[monthly.reference, None, dt.datetime(2025, 3, 1), 6, None, None]])
    )
    assert response.status_code == 200, response.content.decode()
    value = KpiValue.objects.get()
    assert (value.value, value.origin) == (6, "import")
    assert "4 → 6" in ObjectChange.objects.for_object(value).first().message


def test_one_bad_row_and_nothing_is_imported(as_contributor, organisation, kpis):
    monthly, quarterly = kpis
    computed = make_kpi(organisation, name="Power", unit="kWh", source="meters", meter_kind="electricity")
    rows = [
        [monthly.reference, "BHM", "2025-03", "4", "", ""],
        [monthly.reference, "BHM", "2025-03", "5", "", ""],  # the same as the row before
        ["KPI-9999", "", "2025-03", "1", "", ""],
        [computed.reference, "", "2025-03", "1", "", ""],
        [monthly.reference, "XXX", "2025-03", "1", "", ""],
        [monthly.reference, "", "March", "1", "", ""],
        [quarterly.reference, "", "2025-03", "1", "", ""],  # a date: the quarter it falls in, fine
        [monthly.reference, "", "2025-09", "1", "", ""],
        [monthly.reference, "", "2025-02", "a lot", "", ""],
        [monthly.reference, "", "2025-02", "1", "guessed", ""],
    ]
    before = counts()
    response = post(as_contributor, csv_file(rows))
    html = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in html
    for text in (
        "Same as row 2",
        "No KPI has the reference KPI-9999",
        "takes no values",
        "No site has the code XXX",
        "is not a period",
        "has not started yet",
        "is not a number",
        "is not one of",
    ):
        assert text in html, text
    assert counts() == before


def test_a_file_with_unknown_columns_is_refused(as_contributor, kpis):
    response = post(as_contributor, csv_file([["x"]], headings=["KPI", "Colour", "Period", "Value"]))
    assert response.status_code == 400 and "Unknown columns: Colour" in response.content.decode()


def test_a_site_limited_member_imports_only_their_sites(organisation, sites, kpis):
    monthly, _ = kpis
    local = make_user("lena@acme.test", "Lena", "Local")
    add_member(organisation, local, Role.CONTRIBUTOR, sites=[sites[1]])
    before = counts()
    response = post(client_for(local), csv_file([[monthly.reference, "BHM", "2025-03", "1", "", ""]]))
    assert response.status_code == 400 and "your sites" in response.content.decode()
    assert counts() == before
    response = post(client_for(local), csv_file([[monthly.reference, "LDS", "2025-03", "1", "", ""]]))
    assert response.status_code == 200


def test_a_viewer_and_an_outsider_cannot_import(as_viewer, as_outsider, kpis):
    monthly, _ = kpis
    assert post(as_viewer, csv_file([[monthly.reference, "", "2025-03", "1", "", ""]])).status_code == 403
    response = post(as_outsider, csv_file([[monthly.reference, "", "2025-03", "1", "", ""]]))
    assert response.status_code == 400 and "No KPI has the reference" in response.content.decode()
    assert not KpiValue.objects.exists()
