"""The one way readings get in: rows are checked as a whole, then committed all or nothing.

Entering one reading on a page, posting a list to the API and importing a million-row file all
go through `check` (the dry run: nothing is written) and `commit`. The monthly totals are updated
in the same transaction as the readings they summarise, and receivers of `readings_committed`
(the GHG inventory) refresh what depends on them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import django.dispatch
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from integrum.core.changelog import change_note
from integrum.measurement import units
from integrum.measurement.models import Meter, MonthlyTotal, Quality, Reading, ReadingBatch

# Sent after readings are committed, with the organisation and the months they touched.
readings_committed = django.dispatch.Signal()

MAX_ERRORS_KEPT = 200
SIX_PLACES = Decimal("0.000001")
LARGEST = Decimal(10) ** 13  # what a reading's 20 digits with 6 decimal places can hold
PROGRESS_EVERY = 20_000
COLUMNS = ("meter", "timestamp", "start", "end", "value", "unit", "quality")
QUALITIES = {choice.value for choice in Quality}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Row:
    """One reading as given, every field still text (from a file, a form or JSON)."""

    number: int
    meter: str
    value: str
    unit: str = ""
    timestamp: str = ""
    start: str = ""
    end: str = ""
    quality: str = ""


@dataclass
class Prepared:
    meter: Meter
    start: dt.datetime
    end: dt.datetime
    quantity: Decimal
    register: Decimal | None
    quality: str
    is_outlier: bool = False


@dataclass
class CheckResult:
    total: int = 0
    readings: list[Prepared] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Register meters whose last read moves forward: meter id → (register, when).
    register_heads: dict[int, tuple[Decimal, dt.datetime]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"row": row, "column": column, "message": message})

    def warn(self, row: int, message: str) -> None:
        if len(self.warnings) < MAX_ERRORS_KEPT:
            self.warnings.append({"row": row, "message": message})


# --- Reading rows ------------------------------------------------------------------------------


def rows_from_file(name: str, data: bytes) -> Iterator[Row]:
    """Rows of a CSV (comma or semicolon) or XLSX file whose first row names the columns."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "csv":
        text = data.decode("utf-8-sig", errors="replace")
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        table: Iterable[list[Any]] = csv.reader(io.StringIO(text), delimiter=delimiter)
    elif extension == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        table = ([_cell(value) for value in row] for row in workbook.worksheets[0].iter_rows(values_only=True))
    else:
        raise ValidationError("Import a CSV or XLSX file.")
    iterator = iter(table)
    header = next(iterator, None)
    if not header:
        raise ValidationError("The file is empty.")
    names = [str(cell or "").strip().lower() for cell in header]
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise ValidationError(f"Unknown column(s): {', '.join(unknown)}. The columns are {', '.join(COLUMNS)}.")
    for required in ("meter", "value"):
        if required not in names:
            raise ValidationError(f"The file has no “{required}” column.")
    if "timestamp" not in names and not {"start", "end"} <= set(names):
        raise ValidationError("The file needs a “timestamp” column, or “start” and “end” columns.")
    positions = {name: index for index, name in enumerate(names) if name}
    for number, cells in enumerate(iterator, start=2):
        if not any(cells):
            continue
        values = {name: str(cells[index]).strip() if index < len(cells) and cells[index] is not None else ""
                  for name, index in positions.items()}
        yield Row(number=number, **values)


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _moment(text: str, default_tz: dt.tzinfo) -> dt.datetime:
    """An ISO 8601 date or date-time; without an offset it is in the organisation's time zone."""
    value = text.strip().replace(" ", "T", 1) if "T" not in text else text.strip()
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


# --- The dry run -------------------------------------------------------------------------------


def check(
    organisation: Any, rows: Iterable[Row], *, meters: Iterable[Meter], progress: Progress | None = None
) -> CheckResult:
    """Validate every row; write nothing. `meters` are those the user may enter readings for."""
    result = CheckResult()
    by_code = {meter.code: meter for meter in meters}
    tz = timezone.get_current_timezone()
    per_meter: dict[int, list[tuple[int, Prepared]]] = defaultdict(list)
    register_rows: dict[int, list[tuple[int, dt.datetime, Decimal, str]]] = defaultdict(list)

    for row in rows:
        result.total += 1
        if progress and result.total % PROGRESS_EVERY == 0:
            progress(result.total, 0)
        meter = by_code.get(row.meter.strip())
        if meter is None:
            result.error(row.number, "meter", f"No meter “{row.meter}” that you may enter readings for.")
            continue
        if not meter.is_active:
            result.error(row.number, "meter", f"Meter {meter.code} is no longer in use.")
            continue
        try:
            value = Decimal(row.value.strip().replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            result.error(row.number, "value", f"“{row.value}” is not a number.")
            continue
        unit = row.unit.strip() or meter.unit
        try:
            quantity = units.convert(value, unit, meter.unit).quantize(SIX_PLACES)
        except units.UnitError as problem:
            result.error(row.number, "unit", str(problem))
            continue
        except InvalidOperation:
            result.error(row.number, "value", f"“{row.value}” is too large.")
            continue
        if abs(quantity) >= LARGEST:
            result.error(row.number, "value", f"“{row.value}” is too large.")
            continue
        quality = row.quality.strip().lower() or Quality.MEASURED
        if quality not in QUALITIES:
            result.error(row.number, "quality", "Quality must be measured, estimated or invoiced.")
            continue
        try:
            if row.timestamp:
                timestamp = _moment(row.timestamp, tz)
                start = end = timestamp
            else:
                start, end = _moment(row.start, tz), _moment(row.end, tz)
        except ValueError:
            column = "timestamp" if row.timestamp else "start"
            result.error(row.number, column, "Dates must look like 2026-03-31 or 2026-03-31T14:15.")
            continue

        if meter.reading_kind == Meter.ReadingKind.REGISTER:
            if not row.timestamp:
                result.error(row.number, "timestamp", f"Meter {meter.code} is read from its register: give a timestamp.")
                continue
            register_rows[meter.pk].append((row.number, end, quantity, quality))
            continue
        if row.timestamp:
            if not meter.interval_minutes:
                result.error(
                    row.number, "start", f"Meter {meter.code} has no fixed interval: give the period's start and end."
                )
                continue
            end = start + dt.timedelta(minutes=meter.interval_minutes)
        if end <= start:
            result.error(row.number, "end", "The period must end after it starts.")
            continue
        if quantity < 0:
            result.error(row.number, "value", "An amount used cannot be negative.")
            continue
        per_meter[meter.pk].append((row.number, Prepared(meter, start, end, quantity, None, quality)))

    by_pk = {meter.pk: meter for meter in by_code.values()}
    for meter_pk, reads in register_rows.items():
        _register_deltas(by_pk[meter_pk], reads, per_meter[meter_pk], result)
    for meter_pk, entries in per_meter.items():
        _check_overlaps(by_pk[meter_pk], entries, result)
    if result.ok:
        for meter_pk, entries in per_meter.items():
            _flag_outliers(by_pk[meter_pk], entries, result)
            result.readings.extend(prepared for _, prepared in entries)
    if progress:
        progress(result.total, result.total)
    return result


def _register_deltas(
    meter: Meter,
    reads: list[tuple[int, dt.datetime, Decimal, str]],
    entries: list[tuple[int, Prepared]],
    result: CheckResult,
) -> None:
    """Turn register reads into amounts used since the read before; the first ever read of a
    meter is its opening read."""
    reads.sort(key=lambda read: read[1])
    previous = (meter.last_register, meter.last_register_at) if meter.last_register_at else None
    for number, when, register, quality in reads:
        if previous is None:
            previous = (register, when)
            result.warn(number, f"Opening read of meter {meter.code}: later reads are measured from it.")
            continue
        last_register, last_at = previous
        if when <= last_at:
            result.error(
                number,
                "timestamp",
                f"Meter {meter.code} was last read on {last_at:%Y-%m-%d %H:%M}; register reads must come later.",
            )
            continue
        if register < last_register:
            result.error(
                number,
                "value",
                f"The register of meter {meter.code} went down from {last_register} to {register}. "
                "If the meter was replaced, create a new meter.",
            )
            continue
        entries.append((number, Prepared(meter, last_at, when, register - last_register, register, quality)))
        previous = (register, when)
    if previous is not None:
        result.register_heads[meter.pk] = previous


def _check_overlaps(meter: Meter, entries: list[tuple[int, Prepared]], result: CheckResult) -> None:
    """No two readings of a meter may cover the same time, within the file or against the database."""
    if not entries:
        return
    entries.sort(key=lambda entry: entry[1].start)
    first, last = entries[0][1].start, max(prepared.end for _, prepared in entries)
    stored = list(
        Reading.objects.filter(meter=meter, start__lt=last, end__gt=first)
        .order_by("start")
        .values_list("start", "end")
    )
    stored_index = 0
    previous: tuple[int, Prepared] | None = None
    for number, prepared in entries:
        if previous is not None and prepared.start < previous[1].end:
            kind = "the same period as" if prepared.start == previous[1].start else "a period that overlaps"
            result.error(number, "start", f"Meter {meter.code}: this reading covers {kind} row {previous[0]}.")
        while stored_index < len(stored) and stored[stored_index][1] <= prepared.start:
            stored_index += 1
        if stored_index < len(stored) and stored[stored_index][0] < prepared.end:
            start, end = stored[stored_index]
            result.error(
                number,
                "start",
                f"Meter {meter.code} already has a reading for {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}.",
            )
        if previous is None or prepared.end > previous[1].end:
            previous = (number, prepared)


def _flag_outliers(meter: Meter, entries: list[tuple[int, Prepared]], result: CheckResult) -> None:
    """Flag readings whose rate per day is far from the meter's usual rate (a warning, not an error)."""
    rates = [(number, prepared, _daily_rate(prepared)) for number, prepared in entries]
    history = [
        total.quantity / Decimal(_days_in_month(total.month))
        for total in MonthlyTotal.objects.filter(meter=meter, reading_count__gt=0).order_by("-month")[:12]
    ]
    sample = history + [rate for _, _, rate in rates]
    if len(sample) < 6:
        return
    median = statistics.median(sample)
    if median <= 0:
        return
    factor = meter.outlier_factor
    for number, prepared, rate in rates:
        if rate > median * factor or (rate > 0 and rate * factor < median):
            prepared.is_outlier = True
            result.warn(
                number,
                f"Meter {meter.code}: {rate:.2f} {meter.unit} a day is far from its usual {median:.2f}.",
            )


def _daily_rate(prepared: Prepared) -> Decimal:
    seconds = Decimal((prepared.end - prepared.start).total_seconds())
    return prepared.quantity * Decimal(86400) / seconds


def _days_in_month(month: dt.date) -> int:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - month).days


# --- Commit -------------------------------------------------------------------------------------


def month_shares(start: dt.datetime, end: dt.datetime, quantity: Decimal) -> list[tuple[dt.date, Decimal]]:
    """Split an amount over the calendar months (in the current time zone) by time; the parts
    add up exactly to the amount."""
    tz = timezone.get_current_timezone()
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if (local_start.year, local_start.month) == (local_end.year, local_end.month):
        return [(local_start.date().replace(day=1), quantity)]
    total_seconds = Decimal((end - start).total_seconds())
    shares: list[tuple[dt.date, Decimal]] = []
    cursor = local_start
    allotted = Decimal(0)
    while cursor < local_end:
        boundary = min(_next_month(cursor, tz), local_end)
        if boundary == local_end:
            part = quantity - allotted
        else:
            part = (quantity * Decimal((boundary - cursor).total_seconds()) / total_seconds).quantize(SIX_PLACES)
        shares.append((cursor.date().replace(day=1), part))
        allotted += part
        cursor = boundary
    return shares


def _next_month(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return dt.datetime(year, month, 1, tzinfo=tz)


def commit(batch: ReadingBatch, result: CheckResult) -> int:
    """Write the checked readings and their monthly totals in one transaction."""
    if not result.ok:
        raise ValidationError("The readings have errors; nothing was committed.")
    organisation_id = batch.organisation_id
    with transaction.atomic():
        totals: dict[tuple[int, dt.date], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
        site_of: dict[int, int] = {}
        for prepared in result.readings:
            site_of[prepared.meter.pk] = prepared.meter.site_id
            for month, part in month_shares(prepared.start, prepared.end, prepared.quantity):
                entry = totals[(prepared.meter.pk, month)]
                entry[0] += part
                if prepared.quality == Quality.ESTIMATED:
                    entry[1] += part
                entry[2] += 1
        _insert(organisation_id, batch.pk, result.readings)
        _add_to_totals(organisation_id, totals, site_of)
        for meter_pk, (register, when) in result.register_heads.items():
            Meter.objects.filter(pk=meter_pk).update(last_register=register, last_register_at=when)
        with change_note("readings committed", f"{len(result.readings)} readings committed."):
            batch.status = ReadingBatch.Status.COMMITTED
            batch.committed_rows = len(result.readings)
            batch.total_rows = result.total
            batch.processed_rows = result.total
            batch.warnings = result.warnings
            batch.finished_at = timezone.now()
            batch.save()
        months = sorted({month for _, month in totals})
        transaction.on_commit(
            lambda: readings_committed.send(sender=ReadingBatch, organisation_id=organisation_id, months=months)
        )
    return len(result.readings)


def _insert(organisation_id: int, batch_id: int, readings: list[Prepared]) -> None:
    columns = ("organisation_id", "meter_id", "batch_id", "start", "end", "quantity", "register", "quality", "is_outlier")
    if connection.vendor == "postgresql":
        # COPY is several times faster than INSERT for a large import; the CHECK and UNIQUE
        # constraints still apply to every row.
        names = ", ".join(f'"{column}"' for column in columns)
        with connection.cursor() as cursor, cursor.connection.cursor().copy(
            f"COPY {Reading._meta.db_table} ({names}) FROM STDIN"
        ) as copy:
            for prepared in readings:
                copy.write_row(
                    (organisation_id, prepared.meter.pk, batch_id, prepared.start, prepared.end, prepared.quantity,
                     prepared.register, prepared.quality, prepared.is_outlier)
                )
        return
    Reading.objects.bulk_create(
        (
            Reading(
                organisation_id=organisation_id,
                meter_id=prepared.meter.pk,
                batch_id=batch_id,
                start=prepared.start,
                end=prepared.end,
                quantity=prepared.quantity,
                register=prepared.register,
                quality=prepared.quality,
                is_outlier=prepared.is_outlier,
            )
            for prepared in readings
        ),
        batch_size=2000,
    )


def _add_to_totals(
    organisation_id: int, totals: dict[tuple[int, dt.date], list[Any]], site_of: dict[int, int]
) -> None:
    if not totals:
        return
    meter_ids = {meter_id for meter_id, _ in totals}
    months = {month for _, month in totals}
    existing = {
        (total.meter_id, total.month): total
        for total in MonthlyTotal.objects.select_for_update().filter(meter_id__in=meter_ids, month__in=months)
    }
    changed, created = [], []
    for (meter_id, month), (quantity, estimated, count) in totals.items():
        total = existing.get((meter_id, month))
        if total is None:
            created.append(
                MonthlyTotal(
                    organisation_id=organisation_id,
                    site_id=site_of[meter_id],
                    meter_id=meter_id,
                    month=month,
                    quantity=quantity,
                    estimated_quantity=estimated,
                    reading_count=count,
                )
            )
        else:
            total.quantity += quantity
            total.estimated_quantity += estimated
            total.reading_count += count
            changed.append(total)
    MonthlyTotal.objects.bulk_create(created, batch_size=2000)
    MonthlyTotal.objects.bulk_update(changed, ["quantity", "estimated_quantity", "reading_count"], batch_size=2000)


def revert(batch: ReadingBatch) -> int:
    """Take a committed batch's readings out again, and out of the monthly totals."""
    if batch.status != ReadingBatch.Status.COMMITTED:
        raise ValidationError("Only committed readings can be taken out.")
    organisation_id = batch.organisation_id
    with transaction.atomic():
        totals: dict[tuple[int, dt.date], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
        site_of: dict[int, int] = {}
        readings = Reading.objects.filter(batch=batch).select_related("meter")
        if readings.filter(register__isnull=False).exists():
            raise ValidationError("Register reads cannot be taken out: later reads are measured from them.")
        for reading in readings.iterator(chunk_size=5000):
            site_of[reading.meter_id] = reading.meter.site_id
            for month, part in month_shares(reading.start, reading.end, reading.quantity):
                entry = totals[(reading.meter_id, month)]
                entry[0] -= part
                if reading.quality == Quality.ESTIMATED:
                    entry[1] -= part
                entry[2] -= 1
        removed, _ = Reading.objects.filter(batch=batch).delete()
        _add_to_totals(organisation_id, totals, site_of)
        with change_note("readings reverted", f"{removed} readings taken out."):
            batch.status = ReadingBatch.Status.REVERTED
            batch.message = f"Taken out: {removed} readings removed."
            batch.committed_rows = 0
            batch.save()
        months = sorted({month for _, month in totals})
        transaction.on_commit(
            lambda: readings_committed.send(sender=ReadingBatch, organisation_id=organisation_id, months=months)
        )
    return removed
