"""Registers in and out of spreadsheets: export a list to CSV or XLSX, and import rows with a dry
run that shows every row's problems and a commit that writes all rows or none.

An app describes a register once in a `RegisterSpec` subclass (its columns, how to read a row,
how to create the record through its service, how to write a record as a row) and plugs it into
`RegisterImportView` and `export_response`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from integrum.core.exports import xlsx_response
from integrum.core.files import check_upload
from integrum.core.permissions import WRITE
from integrum.core.views import OrganisationMixin

# A register bigger than this is a migration project, not an upload.
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    help: str = ""


class RegisterSpec:
    """One register's spreadsheet shape. Subclasses set `name` and `columns` and implement the
    three methods; `parse_row` raises ValidationError({"<column header>": "message"})."""

    name: ClassVar[str]
    columns: ClassVar[Sequence[Column]]

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Any:
        raise NotImplementedError

    def export_row(self, obj: Any) -> list[Any]:
        raise NotImplementedError

    def unique_key(self, data: dict[str, Any]) -> Any:
        """A value two rows of one file must not share (None: no such rule)."""
        return None

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


@dataclass
class RowResult:
    number: int  # the spreadsheet's row number (headings are row 1)
    values: dict[str, str]
    data: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the whole file
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and all(not row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]


def read_table(upload: UploadedFile) -> tuple[list[str], list[list[str]]]:
    """Headings and rows of a CSV (UTF-8, comma or semicolon) or XLSX file, as text."""
    checked = check_upload(upload, max_bytes=MAX_BYTES)
    extension = checked.name.rsplit(".", 1)[-1].lower()
    if extension == "csv":
        text = upload.read().decode("utf-8-sig", errors="replace")
        # Spreadsheets set to a decimal comma save CSV with semicolons: the heading row tells.
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        table = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    elif extension == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(upload, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = [
            ["" if cell is None else _cell_text(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        workbook.close()
    else:
        raise ValidationError("Import a CSV or XLSX file.")
    table = [row for row in table if any(row)]
    if not table:
        raise ValidationError("The file is empty.")
    return table[0], table[1:]


def _cell_text(value: Any) -> str:
    if hasattr(value, "date") and hasattr(value, "hour"):  # a datetime cell holding a date
        return value.date().isoformat() if (value.hour, value.minute) == (0, 0) else value.isoformat()
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check(spec: RegisterSpec, upload: UploadedFile, *, organisation: Any, user: Any) -> ImportResult:
    """The dry run: read and validate every row; nothing is written."""
    result = ImportResult()
    try:
        headings, rows = read_table(upload)
    except ValidationError as error:
        result.problems = list(error.messages)
        return result
    known = {header.lower(): header for header in spec.headers}
    unknown = [h for h in headings if h and h.lower() not in known]
    missing = [
        c.header for c in spec.columns if c.required and c.header.lower() not in {h.lower() for h in headings}
    ]
    if unknown:
        result.problems.append(
            "Unknown columns: " + ", ".join(unknown) + ". Expected: " + ", ".join(spec.headers) + "."
        )
    if missing:
        result.problems.append("Missing columns: " + ", ".join(missing) + ".")
    if len(rows) > MAX_ROWS:
        result.problems.append(f"The file has {len(rows)} rows; import at most {MAX_ROWS} at a time.")
    if result.problems:
        return result
    positions = {known[h.lower()]: i for i, h in enumerate(headings) if h}
    seen: dict[Any, int] = {}
    for offset, cells in enumerate(rows, start=2):
        values = {header: (cells[i] if i < len(cells) else "").strip() for header, i in positions.items()}
        row = RowResult(number=offset, values=values)
        for column in spec.columns:
            if column.required and not values.get(column.header):
                row.errors[column.header] = "Required."
        if not row.errors:
            try:
                row.data = spec.parse_row(values, organisation=organisation, user=user)
            except ValidationError as error:
                row.errors.update(_by_column(error))
        if row.data is not None and not row.errors:
            key = spec.unique_key(row.data)
            if key is not None:
                if key in seen:
                    row.errors["row"] = f"Same as row {seen[key]}."
                else:
                    seen[key] = offset
        result.rows.append(row)
    return result


def _by_column(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {str(key): " ".join(str(m) for m in messages) for key, messages in error.message_dict.items()}
    return {"row": " ".join(error.messages)}


def run_import(
    spec: RegisterSpec, upload: UploadedFile, *, organisation: Any, user: Any, commit: bool
) -> ImportResult:
    """Check every row; with `commit`, create them all in one transaction, or none at all."""
    result = check(spec, upload, organisation=organisation, user=user)
    if not commit or not result.ok:
        return result
    try:
        with transaction.atomic():
            for row in result.rows:
                try:
                    spec.create(row.data or {}, organisation=organisation, user=user)
                except ValidationError as error:
                    row.errors.update(_by_column(error))
                    raise
    except ValidationError:
        return result
    result.created = len(result.rows)
    return result


def export_response(spec: RegisterSpec, records: Iterable[Any], fmt: str) -> HttpResponse:
    """The records as a CSV or XLSX download, in the same columns the import reads."""
    rows = (spec.export_row(record) for record in records)
    stem = spec.name.replace(" ", "-")
    if fmt == "xlsx":
        return xlsx_response(stem, spec.headers, rows, title=spec.name.capitalize())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{timezone.localdate():%Y-%m-%d}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(spec.headers)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return response


class RegisterImportView(OrganisationMixin, TemplateView):
    """Upload a register: "Check" shows each row's problems; "Import" writes all rows or none."""

    spec_class: ClassVar[type[RegisterSpec]]
    required_role = WRITE
    template_name = "core/register_import.html"
    back_url_name: ClassVar[str]  # the register's list page

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(spec=self.spec_class(), back_url_name=self.back_url_name)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_to_response(
                self.get_context_data(problem="Choose a CSV or XLSX file."), status=400
            )
        commit = request.POST.get("action") == "import"
        result = run_import(
            self.spec_class(), upload, organisation=self.organisation, user=request.user, commit=commit
        )
        status = 200 if result.ok else 400
        return self.render_to_response(self.get_context_data(result=result, committed=commit), status=status)
