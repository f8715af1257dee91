"""The spreadsheet import/export every register uses, exercised on a small register of sites."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import path
from openpyxl import Workbook, load_workbook

from integrum.core import tabular
from integrum.core.models import ObjectChange, Site
from integrum.urls import urlpatterns as site_urls

pytestmark = pytest.mark.django_db


class SiteSpec(tabular.RegisterSpec):
    name = "sites"
    columns = [
        tabular.Column("code", required=True),
        tabular.Column("name", required=True),
        tabular.Column("active"),
    ]

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        active = values.get("active", "yes").lower() or "yes"
        if active not in {"yes", "no"}:
            raise ValidationError({"active": "Write yes or no."})
        return {"code": values["code"].upper(), "name": values["name"], "is_active": active == "yes"}

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Site:
        if Site.objects.filter(organisation=organisation, code=data["code"]).exists():
            raise ValidationError({"code": f"{data['code']} exists already."})
        return Site.objects.create(organisation=organisation, **data)

    def export_row(self, obj: Site) -> list[Any]:
        return [obj.code, obj.name, "yes" if obj.is_active else "no"]

    def unique_key(self, data: dict[str, Any]) -> Any:
        return data["code"]


class SiteImportView(tabular.RegisterImportView):
    spec_class = SiteSpec
    back_url_name = "core:site_list"


urlpatterns = [path("import-sites/", SiteImportView.as_view()), *site_urls]


def csv_file(text: str, name: str = "sites.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def xlsx_file(rows: list[list[Any]]) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("sites.xlsx", buffer.getvalue())


def test_it_imports_a_csv_and_an_xlsx(organisation, manager):
    result = tabular.run_import(
        SiteSpec(),
        csv_file("code;name\nhul;Hull yard\n"),
        organisation=organisation,
        user=manager,
        commit=True,
    )
    assert result.ok and result.created == 1
    result = tabular.run_import(
        SiteSpec(),
        xlsx_file([["Name", "Code", "Active"], ["York", "YRK", "no"]]),
        organisation=organisation,
        user=manager,
        commit=True,
    )
    assert result.ok and Site.objects.get(code="YRK").is_active is False


def test_the_dry_run_writes_nothing(organisation, manager):
    result = tabular.run_import(
        SiteSpec(), csv_file("code,name\nHUL,Hull\n"), organisation=organisation, user=manager, commit=False
    )
    assert result.ok and result.created == 0 and not Site.objects.exists()


def test_it_reports_every_bad_row_and_commits_nothing(organisation, manager):
    changes = ObjectChange.objects.count()
    text = "code,name,active\nHUL,Hull,yes\n,Nameless,yes\nYRK,York,perhaps\nhul,Hull again,yes\n"
    result = tabular.run_import(
        SiteSpec(), csv_file(text), organisation=organisation, user=manager, commit=True
    )
    assert not result.ok and result.created == 0
    assert {(r.number, tuple(r.errors)) for r in result.rows_with_errors} == {
        (3, ("code",)),
        (4, ("active",)),
        (5, ("row",)),
    }
    assert not Site.objects.exists() and ObjectChange.objects.count() == changes


def test_a_failure_while_writing_rolls_back_the_rows_before_it(organisation, manager):
    Site.objects.create(organisation=organisation, code="YRK", name="York")
    result = tabular.run_import(
        SiteSpec(),
        csv_file("code,name\nHUL,Hull\nYRK,York\n"),
        organisation=organisation,
        user=manager,
        commit=True,
    )
    assert not result.ok and result.rows[1].errors == {"code": "YRK exists already."}
    assert list(Site.objects.values_list("code", flat=True)) == ["YRK"]


@pytest.mark.parametrize(
    "upload, message",
    [
        (csv_file("code,colour\nX,red\n"), "Unknown columns: colour"),
        (csv_file("name\nHull\n"), "Missing columns: code"),
        (csv_file(""), "empty"),
        (SimpleUploadedFile("sites.exe", b"MZ\x90\x00" * 10), "not accepted"),
        (SimpleUploadedFile("sites.xlsx", b"code,name\n"), "not a XLSX file"),
    ],
)
def test_it_refuses_files_it_cannot_read(organisation, manager, upload, message):
    result = tabular.check(SiteSpec(), upload, organisation=organisation, user=manager)
    assert not result.ok and message in " ".join(result.problems)


def test_export_writes_the_import_columns(organisation, sites):
    response = tabular.export_response(SiteSpec(), Site.objects.order_by("code"), "csv")
    assert response.content.decode("utf-8-sig").splitlines() == [
        "code,name,active",
        "BHM,Birmingham works,yes",
        "LDS,Leeds depot,yes",
    ]
    workbook = load_workbook(
        io.BytesIO(tabular.export_response(SiteSpec(), Site.objects.order_by("code"), "xlsx").content)
    )
    assert list(workbook.active.values)[1] == ("BHM", "Birmingham works", "yes")


@pytest.mark.urls("integrum.core.tests.test_tabular")
def test_the_page_checks_imports_and_keeps_viewers_out(as_contributor, as_viewer, organisation):
    assert (
        as_viewer.post(
            "/import-sites/", {"file": csv_file("code,name\nHUL,Hull\n"), "action": "import"}
        ).status_code
        == 403
    )
    checked = as_contributor.post(
        "/import-sites/", {"file": csv_file("code,name\nHUL,Hull\n"), "action": "check"}
    )
    assert (
        checked.status_code == 200
        and "can be imported" in checked.content.decode()
        and not Site.objects.exists()
    )
    bad = as_contributor.post(
        "/import-sites/", {"file": csv_file("code,name,active\nHUL,Hull,maybe\n"), "action": "import"}
    )
    assert bad.status_code == 400 and "Write yes or no." in bad.content.decode() and not Site.objects.exists()
    done = as_contributor.post(
        "/import-sites/", {"file": csv_file("code,name\nHUL,Hull\n"), "action": "import"}
    )
    assert "Imported 1 row" in done.content.decode() and Site.objects.get().code == "HUL"
