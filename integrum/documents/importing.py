"""Migration from another system: import a document register (CSV or XLSX) and its files.

A register lists one document per row: number, title, type, owner (email), revision, approval date,
approver and file name; the files come as a ZIP (web page and command) or a folder (command).

`check_register` is the dry run: it reads every row and every file it names and reports every
problem at once, by row and column, writing nothing. `run_import` repeats the check and, when
nothing is wrong and `commit` is set, creates everything in one transaction: any failure leaves
no document, no revision, no change-log entry and no stored file behind. Imported documents keep
their old number as their reference, and their revision becomes effective at once with the old
approval date and approver kept as metadata: they were approved in the old system.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from integrum.core.files import MAX_COMPRESSION_RATIO, check_upload, clean_filename
from integrum.core.models import Organisation, User
from integrum.documents import services
from integrum.documents.models import Document, DocumentRevision, Kind

R = DocumentRevision.Status

# The register's columns, in the order they are expected and reported.
COLUMNS = ("number", "title", "type", "owner", "revision", "approval date", "approver", "file name")
REQUIRED = ("number", "title", "type", "owner", "revision", "approval date", "file name")
# Other spellings of a column heading that old registers use.
ALIASES = {
    "reference": "number",
    "document number": "number",
    "kind": "type",
    "document type": "type",
    "owner email": "owner",
    "rev": "revision",
    "approved on": "approval date",
    "date approved": "approval date",
    "approved by": "approver",
    "file": "file name",
    "filename": "file name",
}
REGISTER_MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# A ZIP of files: at most this many entries, unpacking to at most this much in all.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_UNPACKED = 4 * 1024**3
# An entry above this size that unpacks at more than MAX_COMPRESSION_RATIO is a zip bomb.
BOMB_MIN_BYTES = 1024 * 1024
SPOOL_BYTES = 8 * 1024 * 1024

# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the headings are row 1
    column: str
    message: str


@dataclass
class PlannedDocument:
    row: int
    reference: str
    title: str
    kind: str
    owner: User
    label: str
    approved_on: datetime.date
    approver: str
    file_name: str

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)


@dataclass
class ImportResult:
    """What a dry run found (or an import did): problems with the whole upload, row errors, rows."""

    problems: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: list[PlannedDocument] = field(default_factory=list)
    created: list[Document] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    def lines(self) -> list[str]:
        """The problems and row errors as plain lines, for the command."""
        return self.problems + [
            f"row {e.row}{f', {e.column}' if e.column else ''}: {e.message}" for e in self.errors
        ]


# --- Where the files come from ---------------------------------------------------------------


class FileSource:
    """The files a register names, looked up by their own name (never by a path in the register).

    Names match whatever their case; a name held twice, or only under an unsafe path, is an error
    for the rows naming it rather than a guess.
    """

    label = "the files"

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.entries: dict[str, list[Any]] = {}
        self.unsafe: dict[str, str] = {}
        self._checked: dict[str, str] = {}

    def _add(self, raw: str, entry: Any) -> None:
        path = raw.replace("\\", "/")
        parts = [part for part in path.split("/") if part]
        if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
            return  # folders' and operating systems' own files
        try:
            key = clean_filename(path).casefold()
        except ValidationError:
            return
        if path.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", path) or entry is None:
            self.unsafe[key] = raw
        else:
            self.entries.setdefault(key, []).append(entry)

    def find(self, name: str) -> tuple[Any, str]:
        """The entry for a file name, or None and why it cannot be used."""
        try:
            base = clean_filename(name)
        except ValidationError:
            return None, "The file name is not usable."
        key = base.casefold()
        if key in self.unsafe:
            return None, (
                f"{self.label.capitalize()} holds “{base}” under an unsafe path "
                f"(“{self.unsafe[key]}”): it was not read."
            )
        found = self.entries.get(key, [])
        if not found:
            return None, f"There is no file named “{base}” in {self.label}."
        if len(found) > 1:
            return None, f"{self.label.capitalize()} holds {len(found)} files named “{base}”: keep only one."
        return found[0], ""

    def check(self, name: str) -> str:
        """Why the named file cannot become a revision, or "" if it can (each file read once)."""
        entry, message = self.find(name)
        if entry is None:
            return message
        key = clean_filename(name).casefold()
        if key not in self._checked:
            self._checked[key] = self._check(entry)
        return self._checked[key]

    def _check(self, entry: Any) -> str:
        try:
            with self.open(entry) as upload:
                checked = check_upload(upload)
        except ValidationError as error:
            return f"{self.display_name(entry)}: {' '.join(error.messages)}"
        if checked.name.rsplit(".", 1)[-1].lower() not in services.REVISION_EXTENSIONS:
            return f"{checked.name}: a revision must be a PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG or TXT file."
        return ""

    def display_name(self, entry: Any) -> str:
        raise NotImplementedError

    def open(self, entry: Any) -> contextlib.AbstractContextManager[UploadedFile]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class ZipSource(FileSource):
    """Files inside a ZIP archive, read one at a time into a temporary spool (never unpacked to disk
    under their own names, so a name with a path cannot reach outside)."""

    label = "the ZIP"

    def __init__(self, fileobj: Any) -> None:
        super().__init__()
        self.archive: zipfile.ZipFile | None = None
        try:
            fileobj.seek(0)
            self.archive = zipfile.ZipFile(fileobj)
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            self.problems.append("The files must come as a ZIP archive; this one could not be opened.")
            return
        if len(infos) > MAX_ZIP_ENTRIES:
            self.problems.append(f"The ZIP holds more than {MAX_ZIP_ENTRIES:,} files: split the import.")
            return
        if sum(info.file_size for info in infos) > MAX_ZIP_UNPACKED:
            self.problems.append(
                "The ZIP unpacks to more than "
                f"{MAX_ZIP_UNPACKED // 1024**3} GB and was refused as unsafe: split the import."
            )
            return
        for info in infos:
            if not info.is_dir():
                self._add(info.filename, info)

    def display_name(self, entry: zipfile.ZipInfo) -> str:
        return clean_filename(entry.filename)

    @contextlib.contextmanager
    def open(self, entry: zipfile.ZipInfo) -> Iterator[UploadedFile]:
        from django.conf import settings

        assert self.archive is not None
        name = self.display_name(entry)
        limit = settings.INTEGRUM_UPLOAD_MAX_BYTES
        if entry.flag_bits & 0x1:
            raise ValidationError("it is password-protected in the ZIP.")
        if entry.file_size > BOMB_MIN_BYTES and entry.file_size > MAX_COMPRESSION_RATIO * max(
            entry.compress_size, 1
        ):
            raise ValidationError("it unpacks to far more than its size and was refused as unsafe.")
        if entry.file_size > limit:
            raise ValidationError(
                f"The file is {entry.file_size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
            )
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            size = 0
            try:
                with self.archive.open(entry) as member:
                    while chunk := member.read(1024 * 1024):
                        size += len(chunk)
                        # The sizes in a ZIP's directory can lie: count what really comes out.
                        if size > limit or size > entry.file_size:
                            raise ValidationError("it unpacks to more than the ZIP says and was refused.")
                        spool.write(chunk)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
                raise ValidationError(
                    "it could not be read from the ZIP (damaged or unsupported)."
                ) from error
            spool.seek(0)
            yield UploadedFile(file=spool, name=name, size=size)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


class FolderSource(FileSource):
    """Files in a folder and its subfolders (for the command); symbolic links are not followed."""

    label = "the folder"

    def __init__(self, root: Path) -> None:
        super().__init__()
        for directory, _folders, names in os.walk(root, followlinks=False):
            for name in names:
                full = Path(directory) / name
                self._add(str(full.relative_to(root)), None if full.is_symlink() else full)

    def display_name(self, entry: Path) -> str:
        return entry.name

    @contextlib.contextmanager
    def open(self, entry: Path) -> Iterator[UploadedFile]:
        with entry.open("rb") as handle:
            yield UploadedFile(file=handle, name=entry.name, size=entry.stat().st_size)


def open_source(path: Path) -> FileSource:
    """A folder or a ZIP file given on the command line."""
    if path.is_dir():
        return FolderSource(path)
    return ZipSource(path.open("rb"))


# --- Reading the register --------------------------------------------------------------------


def _heading(value: object) -> str:
    text = re.sub(r"[\s_\-]+", " ", str(value or "")).strip().casefold()
    return ALIASES.get(text, text)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value
    return str(value).strip()


def _read_table(register: UploadedFile) -> list[list[object]]:
    """The register's rows (headings first); ValidationError if it cannot be read."""
    name = clean_filename(register.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in {"csv", "xlsx"}:
        raise ValidationError("The register must be a CSV or XLSX file.")
    check_upload(register, max_bytes=REGISTER_MAX_BYTES)
    register.seek(0)
    rows: list[list[object]] = []
    if extension == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(register, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a damaged workbook
            raise ValidationError("The XLSX register could not be opened.") from error
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                rows.append([_cell(value) for value in values])
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            workbook.close()
        return rows
    data = register.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what Excel on Windows writes as "CSV"
        except UnicodeDecodeError as error:
            raise ValidationError("The CSV register is not UTF-8 text: save it as “CSV UTF-8”.") from error
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        for values in csv.reader(io.StringIO(text), dialect):
            rows.append([_cell(value) for value in values])
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        raise ValidationError(f"The CSV register could not be read: {error}.") from error
    return rows


def _parse_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        with contextlib.suppress(ValueError):
            return datetime.date.fromisoformat(text)
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        with contextlib.suppress(ValueError):
            return datetime.date(year, month, day)
    return None


def _kinds() -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in Kind.choices:
        for spelling in (value, value.replace("_", " "), str(label)):
            names[spelling.casefold()] = value
    return names


# --- The dry run -----------------------------------------------------------------------------


def check_register(*, organisation: Organisation, register: UploadedFile, files: FileSource) -> ImportResult:
    """Read and check every row and the file it names; writes nothing."""
    result = ImportResult()
    try:
        table = _read_table(register)
    except ValidationError as error:
        result.problems.append(" ".join(error.messages))
        return result
    filled = [index for index, row in enumerate(table) if any(str(value).strip() for value in row)]
    if not filled:
        result.problems.append(
            "The register is empty: it needs a row of column headings, then one row per document."
        )
        return result
    header = filled[0]
    headings = [_heading(value) for value in table[header]]
    missing = [column for column in COLUMNS if column not in headings]
    doubled = sorted({h for h in headings if h in COLUMNS and headings.count(h) > 1})
    if missing or doubled:
        parts = []
        if missing:
            parts.append(f"The register has no {', '.join(f'“{c}”' for c in missing)} column")
        if doubled:
            parts.append(f"{', '.join(f'“{c}”' for c in doubled)} appears more than once")
        result.problems.append(
            f"{'; '.join(parts)}. The first row must name the columns: " + ", ".join(COLUMNS) + "."
        )
        return result
    # Rows are numbered as the spreadsheet numbers them (the first is 1), blank ones skipped.
    records = [(index + 1, table[index]) for index in filled[1:]]
    if len(records) > MAX_ROWS:
        result.problems.append(f"The register has more than {MAX_ROWS:,} rows: split the import.")
        return result
    if not records:
        result.problems.append("The register has column headings but no documents.")
        return result
    result.problems.extend(files.problems)

    position = {column: headings.index(column) for column in COLUMNS}
    cells = [
        (number, {column: row[index] if index < len(row) else "" for column, index in position.items()})
        for number, row in records
    ]
    numbers = [str(values["number"]).strip() for _, values in cells]
    context = _RowContext(
        organisation=organisation,
        files=files,
        kinds=_kinds(),
        members={
            user.email.casefold(): user
            for user in User.objects.filter(memberships__organisation=organisation)
        },
        taken=set(
            Document.objects.filter(
                organisation=organisation, reference__in=[n for n in numbers if n]
            ).values_list("reference", flat=True)
        ),
        today=timezone.localdate(),
    )
    for number, values in cells:
        errors, planned = _check_row(context, number, values)
        result.errors.extend(errors)
        if planned is not None:
            result.rows.append(planned)
    return result


@dataclass
class _RowContext:
    organisation: Organisation
    files: FileSource
    kinds: dict[str, str]
    members: dict[str, User]
    taken: set[str]
    today: datetime.date
    first_row: dict[str, int] = field(default_factory=dict)


def _check_row(
    context: _RowContext, number: int, values: dict[str, object]
) -> tuple[list[RowError], PlannedDocument | None]:
    """One row's errors, or what it will create."""
    errors: list[RowError] = []
    text = {column: str(value).strip() for column, value in values.items()}

    def add(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    for column in REQUIRED:
        if not text[column]:
            add(column, "This column is empty.")
    reference = text["number"]
    if reference:
        if len(reference) > 30:
            add("number", "A document number has at most 30 characters.")
        elif reference in context.first_row:
            add("number", f"{reference} is also on row {context.first_row[reference]}.")
        elif reference in context.taken:
            add("number", f"{reference} is already used by a document of {context.organisation}.")
        context.first_row.setdefault(reference, number)
    if len(text["title"]) > 250:
        add("title", "A title has at most 250 characters.")
    kind = context.kinds.get(re.sub(r"[\s_]+", " ", text["type"]).casefold())
    if text["type"] and kind is None:
        add(
            "type",
            f"“{text['type']}” is not a type of document. Use one of: "
            + ", ".join(str(label) for label in Kind.labels)
            + ".",
        )
    owner = context.members.get(text["owner"].casefold())
    if text["owner"] and owner is None:
        add("owner", f"{text['owner']} is not a member of {context.organisation}.")
    if len(text["revision"]) > 20:
        add("revision", "A revision label has at most 20 characters.")
    approved_on = _parse_date(values["approval date"]) if text["approval date"] else None
    if text["approval date"] and approved_on is None:
        add("approval date", f"“{text['approval date']}” is not a date: write 2024-03-31 or 31/03/2024.")
    elif approved_on is not None and approved_on > context.today:
        add("approval date", "The approval date is in the future.")
    if len(text["approver"]) > 200:
        add("approver", "An approver's name has at most 200 characters.")
    if text["file name"] and not context.files.problems:
        message = context.files.check(text["file name"])
        if message:
            add("file name", message)
    if errors or kind is None or owner is None or approved_on is None:
        return errors, None
    return errors, PlannedDocument(
        row=number,
        reference=reference,
        title=text["title"],
        kind=kind,
        owner=owner,
        label=text["revision"],
        approved_on=approved_on,
        approver=text["approver"],
        file_name=text["file name"],
    )


# --- The import ------------------------------------------------------------------------------


def _remove_stored(folders: list[str]) -> None:
    """Delete the files stored for documents whose creation was rolled back."""
    storage = DocumentRevision._meta.get_field("file").storage
    for folder in folders:
        try:
            _subfolders, names = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in names:
            storage.delete(f"{folder}/{name}")
        with contextlib.suppress(NotImplementedError, OSError):
            path = Path(storage.path(folder))
            path.rmdir()
            path.parent.rmdir()  # "documents", when the organisation has no other file yet
            path.parent.parent.rmdir()


class _RolledBack(Exception):
    pass


def run_import(
    *, organisation: Organisation, user: User, register: UploadedFile, files: FileSource, commit: bool
) -> ImportResult:
    """Check the register and, if `commit` and nothing is wrong, import all of it or none of it.

    The transaction must be the outermost one (the page turns off the per-request transaction,
    the command has none), so that once this returns the files stored match what was committed.
    """
    result = check_register(organisation=organisation, register=register, files=files)
    if not commit or not result.ok:
        return result
    folders: list[str] = []
    try:
        with transaction.atomic():
            for row in result.rows:
                try:
                    result.created.append(_import_row(organisation, user, row, files, folders))
                except ValidationError as error:
                    result.errors.append(RowError(row.row, "", " ".join(error.messages)))
                    raise _RolledBack from error
    except _RolledBack:
        _remove_stored(folders)
        result.created = []
    except BaseException:
        _remove_stored(folders)
        raise
    return result


def _import_row(
    organisation: Organisation, user: User, row: PlannedDocument, files: FileSource, folders: list[str]
) -> Document:
    document = services.document_create(
        organisation=organisation, kind=row.kind, title=row.title, owner=row.owner, reference=row.reference
    )
    folders.append(f"org-{organisation.pk}/documents/{document.pk}")
    entry, message = files.find(row.file_name)
    if entry is None:
        raise ValidationError(message)
    with files.open(entry) as upload:
        revision = services.revision_create(
            document=document,
            change_summary="Imported from the previous document register.",
            created_by=user,
            upload=upload,
            label=row.label,
        )
    services.revision_import_approved(revision=revision, approved_on=row.approved_on, approver=row.approver)
    document.refresh_from_db()
    return document
