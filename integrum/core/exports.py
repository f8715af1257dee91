"""Spreadsheet and PDF responses shared by every app's exports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def xlsx_response(
    stem: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = ""
) -> HttpResponse:
    """A one-sheet workbook streamed row by row (write-only mode keeps memory flat on big lists)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or stem)[:31])
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(list(row))
    response = HttpResponse(content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "xlsx")}"'
    workbook.save(response)
    return response


def pdf_response(stem: str, template: str, context: dict[str, Any], request: Any = None) -> HttpResponse:
    """Render a report template (same markup as the pages) to PDF with WeasyPrint."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/") if request else None).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "pdf")}"'
    return response
