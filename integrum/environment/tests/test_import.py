"""Importing the registers from CSV and XLSX: a dry run with row-level errors, all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from integrum.core.models import ObjectChange
from integrum.environment.models import Aspect, ComplianceEvaluation, ComplianceObligation
from integrum.environment.tests.factories import make_aspect, make_obligation

pytestmark = pytest.mark.django_db


def csv_file(headings, rows, name="register.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def xlsx_file(headings, rows, name="register.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def counts():
    return (
        ObjectChange.objects.count(),
        Aspect.objects.count(),
        ComplianceObligation.objects.count(),
        ComplianceEvaluation.objects.count(),
    )


ASPECT_HEADINGS = [
    "Activity",
    "Aspect",
    "Impact",
    "Condition",
    "Life-cycle stage",
    "Obligations",
    "Sites",
    "Owner",
]


def post(client, name, upload, action="import"):
    return client.post(reverse(f"environment:{name}"), {"file": upload, "action": action})


def test_it_checks_then_imports_aspects(as_contributor, organisation, contributor, sites):
    obligation = make_obligation(organisation, contributor)
    rows = [
        [
            "Painting",
            "VOC emissions",
            "Smog",
            "Normal",
            "Production",
            obligation.reference,
            "BHM",
            contributor.email,
        ],
        ["Boiler", "Gas leak", "Fire", "emergency", "use", "", "", ""],
    ]
    before = counts()
    response = post(as_contributor, "aspect_import", csv_file(ASPECT_HEADINGS, rows), action="check")
    assert response.status_code == 200 and "can be imported" in response.content.decode()
    assert counts() == before
    response = post(as_contributor, "aspect_import", xlsx_file(ASPECT_HEADINGS, rows))
    assert response.status_code == 200, response.content.decode()
    aspects = list(Aspect.objects.order_by("number"))
    assert [a.reference for a in aspects] == ["ASP-001", "ASP-002"]
    assert list(aspects[0].obligations.all()) == [obligation] and list(aspects[0].sites.all()) == [sites[0]]
    assert (aspects[1].condition, aspects[1].lifecycle_stage) == ("emergency", "use")


@pytest.mark.parametrize(
    ("headings", "rows", "message"),
    [
        (["Activity", "Colour"], [["a", "b"]], "Unknown columns: Colour"),
        (["Activity", "Aspect"], [["a", "b"]], "Missing columns: Impact"),
        (ASPECT_HEADINGS, [["a", "b", "c", "Flooded", "", "", "", ""]], "is not one of"),
        (
            ASPECT_HEADINGS,
            [["a", "b", "c", "", "", "OBL-999", "", ""]],
            "No obligation has the reference OBL-999",
        ),
        (ASPECT_HEADINGS, [["a", "b", "c", "", "", "", "XXX", ""]], "No site has the code XXX"),
        (ASPECT_HEADINGS, [["a", "b", "c", "", "", "", "", "nobody@else.test"]], "is not a member"),
        (
            ASPECT_HEADINGS,
            [["a", "b", "c", "", "", "", "", ""], ["A", "B", "other", "", "", "", "", ""]],
            "Same as row 2",
        ),
        (
            ASPECT_HEADINGS,
            [["ok", "fine", "c", "", "", "", "", ""], ["", "b", "c", "", "", "", "", ""]],
            "Required",
        ),
    ],
)
def test_bad_aspect_files_import_nothing(as_contributor, sites, headings, rows, message):
    before = counts()
    response = post(as_contributor, "aspect_import", csv_file(headings, rows))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_an_aspect_already_in_the_register_is_a_duplicate(as_contributor, organisation):
    existing = make_aspect(organisation, activity="Painting", aspect="VOC emissions")
    before = counts()
    response = post(
        as_contributor,
        "aspect_import",
        csv_file(ASPECT_HEADINGS, [["painting", "voc emissions", "x", "", "", "", "", ""]]),
    )
    assert (
        response.status_code == 400 and f"{existing.reference} already records" in response.content.decode()
    )
    assert counts() == before


def test_it_imports_obligations_with_their_first_evaluation(as_contributor, contributor):
    headings = [
        "Title",
        "Kind",
        "Source reference",
        "Owner",
        "Evaluate every (months)",
        "First evaluation due",
    ]
    rows = [
        ["Waste duty of care", "Legal requirement", "EPA 1990 s.34", contributor.email, "12", "2030-01-31"],
        ["Customer packaging charter", "other", "", contributor.email, "", ""],
    ]
    response = post(as_contributor, "obligation_import", csv_file(headings, rows))
    assert response.status_code == 200, response.content.decode()
    obligations = list(ComplianceObligation.objects.order_by("number"))
    assert [o.kind for o in obligations] == ["legal", "other"]
    assert str(obligations[0].evaluations.get().due_date) == "2030-01-31"
    bad_rows = [
        ["Other", "", "", contributor.email, "0", ""],
        ["Another", "", "", contributor.email, "", "31/01/2030"],
        ["Waste duty of care", "", "EPA 1990 s.34", contributor.email, "", ""],
        ["No owner", "", "", "", "", ""],
    ]
    before = counts()
    response = post(as_contributor, "obligation_import", csv_file(headings, bad_rows))
    html = response.content.decode()
    assert response.status_code == 400
    for text in ("from 1 to 120", "YYYY-MM-DD", "already records", "Required"):
        assert text in html
    assert counts() == before


def test_it_imports_scheduled_evaluations_only(as_contributor, organisation, contributor):
    obligation = make_obligation(organisation, contributor)
    headings = ["Obligation", "Due date", "Evaluator", "Result"]
    before = counts()
    response = post(
        as_contributor,
        "evaluation_import",
        csv_file(headings, [[obligation.reference, "2031-05-01", "", "Compliant"]]),
    )
    assert response.status_code == 400 and "record results on each evaluation" in response.content.decode()
    response = post(
        as_contributor,
        "evaluation_import",
        csv_file(
            headings,
            [[obligation.reference, "2031-05-01", "", ""], [obligation.reference, "2031-05-01", "", ""]],
        ),
    )
    assert response.status_code == 400 and "Same as row 2" in response.content.decode()
    assert counts() == before
    response = post(
        as_contributor,
        "evaluation_import",
        csv_file(headings, [[obligation.reference, "2031-05-01", contributor.email, ""]]),
    )
    assert response.status_code == 200
    assert obligation.evaluations.filter(due_date="2031-05-01", evaluator=contributor).exists()


def test_a_viewer_cannot_import_and_an_export_imports_back(
    as_viewer, as_contributor, organisation, contributor
):
    assert post(as_viewer, "aspect_import", csv_file(ASPECT_HEADINGS, [])).status_code == 403
    make_aspect(organisation, activity="Welding", aspect="Fumes", impact="Air quality")
    exported = as_contributor.get(reverse("environment:aspect_list"), {"export": "csv"}).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(exported)))
    headings, row = rows[0], rows[1]
    row[headings.index("Reference")] = ""
    row[headings.index("Aspect")] = "Sparks"
    for column in ("Score", "Significant"):
        row[headings.index(column)] = ""
    response = post(as_contributor, "aspect_import", csv_file(headings, [row]))
    assert response.status_code == 200, response.content.decode()
    assert Aspect.objects.filter(aspect="Sparks", activity="Welding").exists()
