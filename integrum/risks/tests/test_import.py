"""Importing the register from CSV/XLSX: dry run with row errors, all or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from integrum.core.models import ObjectChange
from integrum.risks.models import Risk
from integrum.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db

URL = reverse("risks:risk_import")
HEAD = "Type,Title,Standards,Inherent likelihood,Inherent consequence,Treatment,Residual likelihood,Residual consequence,Owner,Review date,Source\n"


def csv_file(text: str, name: str = "risks.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def state():
    return list(Risk.objects.values_list("pk", flat=True)), ObjectChange.objects.count()


def test_it_checks_then_imports_every_row(as_contributor, contributor, standards):
    text = HEAD + (
        "Risk,Foundry fails,ISO 9001,Likely,Major,Mitigate,2,2,carl@acme.test,2030-01-31,\n"
        "Opportunity,Solar roof,ISO 14001; ISO 9001,3,3,Pursue,,,,,\n"
    )
    checked = as_contributor.post(URL, {"file": csv_file(text), "action": "check"})
    assert checked.status_code == 200 and "All 2 rows can be imported" in checked.content.decode()
    assert not Risk.objects.exists()
    done = as_contributor.post(URL, {"file": csv_file(text), "action": "import"})
    assert done.status_code == 200 and "Imported 2 rows" in done.content.decode()
    foundry = Risk.objects.get(title="Foundry fails")
    assert (foundry.inherent_score, foundry.residual_score, foundry.owner, foundry.created_by) == (
        16,
        4,
        contributor,
        contributor,
    )
    assert Risk.objects.get(title="Solar roof").standards.count() == 2


def test_it_round_trips_its_own_export(as_contributor, organisation, standards):
    make_risk(
        organisation, title="Exported", treatment="mitigate", residual_likelihood=1, residual_consequence=1
    )
    exported = as_contributor.get(reverse("risks:risk_list"), {"export": "csv"}).content.decode("utf-8-sig")
    Risk.objects.all().delete()
    done = as_contributor.post(URL, {"file": csv_file(exported), "action": "import"})
    assert done.status_code == 200, done.content.decode()
    assert Risk.objects.get().title == "Exported"


def test_it_refuses_wrong_columns(as_contributor, standards):
    before = state()
    response = as_contributor.post(URL, {"file": csv_file("Title,Colour\nA,red\n"), "action": "import"})
    body = response.content.decode()
    assert (
        response.status_code == 400 and "Unknown columns: Colour" in body and "Missing columns: Type" in body
    )
    assert state() == before


def test_it_lists_bad_values_per_row_and_imports_nothing(as_contributor, organisation, outsider, standards):
    make_risk(organisation, title="Already here")
    text = HEAD + (
        "Risk,Good row,ISO 9001,1,1,,,,,,\n"
        "Hazard,Bad type,ISO 9001,1,1,,,,,,\n"
        "Risk,Bad levels,ISO 9001,9,Huge,,,,,,\n"
        "Risk,Worse after,ISO 9001,1,1,Mitigate,5,5,,,\n"
        "Risk,Wrong treatment,ISO 9001,1,1,Pursue,,,,,\n"
        "Risk,Foreign owner,ISO 45001,1,1,,,,otto@other.test,31/01/2030,NOPE-1\n"
        "Risk,Already here,ISO 9001,1,1,,,,,,\n"
        "Risk,Good row,ISO 9001,2,2,,,,,,\n"
    )
    before = state()
    response = as_contributor.post(URL, {"file": csv_file(text), "action": "import"})
    assert response.status_code == 400
    errors = {row.number: row.errors for row in response.context["result"].rows_with_errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}
    assert "Type" in errors[3]
    assert set(errors[4]) == {"Inherent likelihood", "Inherent consequence"}
    assert "higher than the inherent score" in errors[5]["Residual likelihood"]
    assert "Treatment" in errors[6]
    assert set(errors[7]) == {"Owner", "Review date", "Standards", "Source"}
    assert "RSK-001 already has this title" in errors[8]["Title"]
    assert errors[9] == {"row": "Same as row 2."}
    assert state() == before


def test_it_reads_xlsx(as_contributor, standards):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Type", "Title", "Standards", "Inherent likelihood", "Inherent consequence"])
    sheet.append(["Risk", "From Excel", "ISO 9001", 4, 5])
    data = io.BytesIO()
    workbook.save(data)
    upload = SimpleUploadedFile(
        "risks.xlsx",
        data.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response = as_contributor.post(URL, {"file": upload, "action": "import"})
    assert response.status_code == 200, response.content.decode()
    assert Risk.objects.get().inherent_score == 20


def test_it_refuses_imports_to_viewers_and_outsiders_see_nothing_of_it(
    as_viewer, as_outsider, organisation, standards
):
    text = HEAD + "Risk,Sneaky,ISO 9001,1,1,,,,,,\n"
    assert as_viewer.post(URL, {"file": csv_file(text), "action": "import"}).status_code == 403
    response = as_outsider.post(URL, {"file": csv_file(text), "action": "import"})
    assert response.status_code == 200
    assert Risk.objects.get().organisation != organisation  # it went to the outsider's own organisation
