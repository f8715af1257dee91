"""Imports of every context register: a dry run with row errors, then all rows or none."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from integrum.context.models import ContextIssue, InterestedParty, OrganisationalRole, Process, Scope
from integrum.context.tests.factories import make_issue
from integrum.context.tests.test_pages import everything

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_file(rows: list[list[str]]) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("register.xlsx", buffer.getvalue())


def post(client, name: str, upload, action: str = "import"):
    return client.post(reverse(f"context:{name}"), {"file": upload, "action": action})


ISSUES = (
    "Title,Internal or external,Category,Effect,Standards,Climate-related,Owner,Review date\n"
    "Energy prices,external,economic,negative,ISO 14001:2015,no,mia@acme.test,2030-01-31\n"
    "Flood risk,External,Threat,,,yes,,31/12/2030\n"
)


def test_it_checks_then_imports_issues(as_contributor, manager, standards):
    assert post(as_contributor, "issue_import", csv_file(ISSUES), "check").status_code == 200
    assert not ContextIssue.objects.exists()
    response = post(as_contributor, "issue_import", csv_file(ISSUES))
    assert response.status_code == 200 and "Imported 2 rows" in response.content.decode()
    flood = ContextIssue.objects.get(title="Flood risk")
    assert (flood.category, flood.climate_related, flood.reference) == ("threat", True, "CI-002")
    assert ContextIssue.objects.get(title="Energy prices").owner == manager


def test_it_refuses_wrong_columns_and_commits_nothing(as_contributor, standards):
    before = everything()
    response = post(as_contributor, "issue_import", csv_file("Name,Colour\nx,red\n"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Unknown columns: Name, Colour" in body and "Missing columns" in body
    assert everything() == before


def test_it_shows_bad_values_by_row_and_commits_nothing(as_contributor, outsider, standards):
    text = (
        "Title,Internal or external,Category,Owner,Review date,Standards\n"
        "Fine row,internal,strength,,,\n"
        "Bad row,sideways,gossip,otto@other.test,yesterday,ISO 45001\n"
    )
    before = everything()
    response = post(as_contributor, "issue_import", csv_file(text))
    assert response.status_code == 400
    body = response.content.decode()
    for message in ("is not one of", "is not a member", "is not a date", "is not a standard of the library"):
        assert message in body
    assert everything() == before


def test_it_refuses_duplicates_in_the_file_and_in_the_register(as_contributor, organisation, standards):
    make_issue(organisation, title="Existing issue")
    text = "Title,Internal or external,Category\nNew one,internal,social\nnew one,internal,social\nExisting issue,internal,social\n"
    before = everything()
    response = post(as_contributor, "issue_import", csv_file(text))
    body = response.content.decode()
    assert response.status_code == 400 and "Same as row 2" in body and "CI-001 already has this title" in body
    assert everything() == before


def test_an_exported_register_imports_again(as_contributor, organisation, other_organisation, standards):
    make_issue(organisation, title="Round trip", category="opportunity", climate_related=True)
    exported = as_contributor.get(reverse("context:issue_list") + "?export=csv").content.decode("utf-8-sig")
    ContextIssue.objects.all().delete()
    response = post(as_contributor, "issue_import", csv_file(exported))
    assert response.status_code == 200, response.content.decode()
    issue = ContextIssue.objects.get()
    assert (issue.title, issue.category, issue.climate_related) == ("Round trip", "opportunity", True)


def test_it_imports_parties_processes_roles_and_scopes_from_xlsx(as_contributor, manager, sites, standards):
    assert (
        post(
            as_contributor,
            "party_import",
            xlsx_file([["Name", "Internal or external", "Kind"], ["Council", "external", "regulator"]]),
        ).status_code
        == 200
    )
    assert InterestedParty.objects.get().kind == "regulator"
    rows = [["Name", "Owner", "Sites", "Status"], ["Casting", "mia@acme.test", "BHM", "active"]]
    assert post(as_contributor, "process_import", xlsx_file(rows)).status_code == 200
    assert [s.code for s in Process.objects.get().sites.all()] == ["BHM"]
    rows = [["Title", "Holders", "Reports to"], ["QHSE manager", "mia@acme.test", ""]]
    assert post(as_contributor, "role_import", xlsx_file(rows)).status_code == 200
    assert list(OrganisationalRole.objects.get().holders.all()) == [manager]
    rows = [["Standard", "Scope statement", "Sites"], ["ISO 9001:2015", "Castings.", "BHM; LDS"]]
    assert post(as_contributor, "scope_import", xlsx_file(rows)).status_code == 200
    assert Scope.objects.get().sites.count() == 2


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("party_import", [["Name", "Internal or external", "Kind"], ["Council", "external", "alien"]]),
        ("process_import", [["Name", "Sites"], ["Casting", "XXX"], ["Casting", ""]]),
        ("role_import", [["Title", "Reports to"], ["QHSE", "Nobody"]]),
        ("scope_import", [["Standard", "Scope statement"], ["ISO 9001", "a"], ["ISO 9001:2015", "b"]]),
    ],
)
def test_bad_rows_in_any_register_commit_nothing(as_contributor, sites, standards, name, rows):
    before = everything()
    assert post(as_contributor, name, xlsx_file(rows)).status_code == 400
    assert everything() == before


def test_viewers_cannot_import(as_viewer, standards):
    assert post(as_viewer, "issue_import", csv_file(ISSUES)).status_code == 403
    assert not ContextIssue.objects.exists()
