"""The one way readings get in: rows are checked as a whole, then committed all or nothing.

Entering one reading on a page, posting a list to the API and importing a million-row file all
go through `check` (the dry run: nothing is written) and `commit`. The monthly totals are updated
in the same transaction as the readings they summarise, and receivers of `readings_committed`
(the GHG inventory) refresh what depends on them.

The per-row work is kept small on purpose, because a year of 15-minute data for 30 meters is a
million rows: timestamps repeat across meters and are parsed once, unit factors are looked up
once per unit, statistics use floats, and the insert is one COPY on PostgreSQL.
"""

from __future__ import annotations

import bisect
import calendar
import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any, NamedTuple

import django.dispatch
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from integrum.core.changelog import change_note
from integrum.core.models import ObjectChange
from integrum.measurement import units
from integrum.measurement.models import Meter, MonthlyTotal, Quality, Reading, ReadingBatch

# Sent inside the transaction that commits or takes out readings (or moves a meter), with the
# organisation and the months whose totals changed.
readings_committed = django.dispatch.Signal()

MAX_ERRORS_KEPT = 200
SIX_PLACES = Decimal("0.000001")
# A reading's 20 digits with 6 decimal places hold less than 10 ** 13.
LARGEST_EXPONENT = 13
PROGRESS_EVERY = 20_000
COLUMNS = ("meter", "timestamp", "start", "end", "value", "unit", "quality")
QUALITIES = {choice.value for choice in Quality}
UTC = dt.UTC
DAY_SECONDS = 86400.0
# Parsed timestamps are remembered up to this many distinct texts (interval files repeat the
# same timestamps for every meter); beyond it the memo starts afresh.
MOMENT_MEMO_SIZE = 200_000

Progress = Callable[[int, int], None]


class Row(NamedTuple):
    """One reading as given, every field still text (from a form or JSON; a file's rows are plain
    tuples in the same order, which are cheaper to make)."""

    number: int
    meter: str
    value: str
    unit: str = ""
    timestamp: str = ""
    start: str = ""
    end: str = ""
    quality: str = ""


@dataclass(slots=True)
class Prepared:
    """A reading that passed the row checks; times are in UTC."""

    number: int
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
    warning_count: int = 0
    # The meters the readings are for, as the check saw them.
    meters: dict[int, Meter] = field(default_factory=dict)
    # The period each meter's readings cover: meter id → (first start, last end).
    spans: dict[int, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
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
        self.warning_count += 1
        if len(self.warnings) < MAX_ERRORS_KEPT:
            self.warnings.append({"row": row, "message": message})

    def summary(self, done: str = "checked") -> str:
        """One sentence on the outcome, for the batch and the command line."""
        if not self.ok:
            rows = "row has" if self.error_count == 1 else "rows have"
            return f"{self.error_count} {rows} errors out of {self.total}; nothing was committed."
        noun = "reading" if len(self.readings) == 1 else "readings"
        text = f"{len(self.readings)} {noun} {done}"
        if self.warning_count:
            text += f", {self.warning_count} warning{'s' if self.warning_count != 1 else ''}"
        return text + "."


# --- Reading rows ------------------------------------------------------------------------------


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def count_rows(name: str, data: bytes) -> int:
    """About how many data rows a file holds (for the progress bar), without parsing it."""
    extension = extension_of(name)
    if extension == "csv":
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        return max(lines - 1, 0)
    if extension == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        except Exception:  # a damaged file is reported by rows_from_file
            return 0
    return 0


RowData = tuple[int, str, str, str, str, str, str, str]


def rows_from_file(name: str, data: bytes) -> Iterator[RowData]:
    """Rows of a CSV (comma or semicolon) or XLSX file whose first row names the columns."""
    extension = extension_of(name)
    if extension == "csv":
        text = data.decode("utf-8-sig", errors="replace")
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        table: Iterable[list[Any]] = csv.reader(io.StringIO(text), delimiter=delimiter)
    elif extension == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:
            raise ValidationError(
                "The spreadsheet could not be opened; save it again as XLSX or CSV."
            ) from error
        table = (
            [_cell(value) for value in row] for row in workbook.worksheets[0].iter_rows(values_only=True)
        )
    else:
        raise ValidationError("Import a CSV or XLSX file.")
    iterator = iter(table)
    header = next(iterator, None)
    if not header:
        raise ValidationError("The file is empty.")
    names = [str(cell or "").strip().lower() for cell in header]
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise ValidationError(
            f"Unknown column(s): {', '.join(unknown)}. The columns are {', '.join(COLUMNS)}."
        )
    for required in ("meter", "value"):
        if required not in names:
            raise ValidationError(f"The file has no “{required}” column.")
    if "timestamp" not in names and not {"start", "end"} <= set(names):
        raise ValidationError("The file needs a “timestamp” column, or “start” and “end” columns.")
    width = len(names)
    positions = {name: index for index, name in enumerate(names) if name}
    # An absent column reads the blank cell appended after the last one.
    a, b, c, d, e, f, g = (positions.get(name, width) for name in Row._fields[1:])
    for number, cells in enumerate(iterator, start=2):
        if len(cells) <= width:
            if not any(cells):
                continue
            cells = [*cells, *([""] * (width + 1 - len(cells)))]
        yield (
            number,
            cells[a].strip(),
            cells[b].strip(),
            cells[c].strip(),
            cells[d].strip(),
            cells[e].strip(),
            cells[f].strip(),
            cells[g].strip(),
        )


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def parse_moment(text: str, default_tz: dt.tzinfo) -> dt.datetime:
    """An ISO 8601 date or date-time, in UTC; without an offset it is in `default_tz`."""
    parsed = dt.datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


# --- The dry run -------------------------------------------------------------------------------


def _parse_or_none(moment: Callable[[str], dt.datetime], text: str) -> dt.datetime | None:
    try:
        return moment(text)
    except ValueError:
        return None


class _Moments:
    """Parse timestamps once: an interval file repeats each of them for every meter."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.memo: dict[str, dt.datetime] = {}

    def __call__(self, text: str) -> dt.datetime:
        moment = self.memo.get(text)
        if moment is None:
            moment = parse_moment(text, self.tz)
            if len(self.memo) >= MOMENT_MEMO_SIZE:
                self.memo.clear()
            self.memo[text] = moment
        return moment


def check(
    organisation: Any,
    rows: Iterable[RowData],
    *,
    meters: Iterable[Meter],
    progress: Progress | None = None,
    expected: int = 0,
) -> CheckResult:
    """Validate every row; write nothing. `meters` are those the user may enter readings for.

    `progress(done, expected)` is called every PROGRESS_EVERY rows and at the end. Reads the
    database once per meter in the rows (stored readings in the period, recent monthly totals).
    """
    result = CheckResult()
    by_code = {meter.code: meter for meter in meters}
    moment = _Moments(timezone.get_current_timezone())
    moments = moment.memo
    per_meter: dict[int, list[Prepared]] = defaultdict(list)
    register_rows: dict[int, list[tuple[int, dt.datetime, Decimal, str]]] = defaultdict(list)
    # What the loop needs of each meter, looked up once: code → (meter, readings so far, is a
    # register meter, interval minutes).
    slots = {
        code: (
            meter,
            per_meter[meter.id],
            meter.reading_kind == Meter.ReadingKind.REGISTER,
            meter.interval_minutes,
        )
        for code, meter in by_code.items()
        if meter.is_active
    }
    # (given unit, meter unit) → factor, None when no conversion is needed, or the refusal.
    factors: dict[tuple[str, str], Decimal | str | None] = {}
    # (timestamp text, interval) → (start, end) of an interval reading.
    intervals: dict[tuple[str, int], tuple[dt.datetime, dt.datetime]] = {}
    qualities = {"": Quality.MEASURED.value, **{value: value for value in QUALITIES}}
    measured = Quality.MEASURED.value
    total = 0
    next_progress = PROGRESS_EVERY if progress is not None else -1
    error = result.error
    missing = object()

    for number, code, text, unit, timestamp, start_text, end_text, quality_text in rows:
        total += 1
        if total == next_progress:
            progress(total, max(expected, total))  # type: ignore[misc]
            next_progress += PROGRESS_EVERY
        slot = slots.get(code)
        if slot is None:
            meter = by_code.get(code) or by_code.get(code.strip())
            if meter is None:
                error(number, "meter", f"No meter “{code}” that you may enter readings for.")
            elif not meter.is_active:
                error(number, "meter", f"Meter {meter.code} is no longer in use.")
            else:
                slot = slots[code.strip()]
            if slot is None:
                continue
        meter, entries, is_register, minutes = slot
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError, TypeError):
            try:
                value = Decimal(str(text).strip().replace(",", "."))
            except (InvalidOperation, ValueError):
                error(number, "value", f"“{text}” is not a number.")
                continue
        if not value.is_finite():
            error(number, "value", f"“{text}” is not a number.")
            continue
        key = (unit, meter.unit)
        factor = factors.get(key, missing)
        if factor is missing:
            factor = factors[key] = _factor(unit, meter.unit)
        try:
            if factor is None:
                quantity = value.quantize(SIX_PLACES)
            elif isinstance(factor, str):
                error(number, "unit", factor)
                continue
            else:
                quantity = (value * factor).quantize(SIX_PLACES)  # type: ignore[operator]
        except InvalidOperation:
            error(number, "value", f"“{text}” is too large.")
            continue
        if quantity and quantity.adjusted() >= LARGEST_EXPONENT:
            error(number, "value", f"“{text}” is too large.")
            continue
        quality = qualities.get(quality_text)
        if quality is None:
            quality = quality_text.strip().lower() or measured
            if quality not in QUALITIES:
                error(number, "quality", "Quality must be measured, estimated or invoiced.")
                continue
        if is_register:
            if not timestamp:
                error(number, "timestamp", f"Meter {meter.code} is read from its register: give a timestamp.")
                continue
            try:
                when = moment(timestamp)
            except ValueError:
                error(number, "timestamp", "Dates must look like 2026-03-31 or 2026-03-31T14:15.")
                continue
            register_rows[meter.id].append((number, when, quantity, quality))
            continue
        if timestamp:
            if not minutes:
                error(
                    number,
                    "start",
                    f"Meter {meter.code} has no fixed interval: give the period's start and end.",
                )
                continue
            period = intervals.get((timestamp, minutes))
            if period is None:
                try:
                    start = moment(timestamp)
                except ValueError:
                    error(number, "timestamp", "Dates must look like 2026-03-31 or 2026-03-31T14:15.")
                    continue
                period = (start, start + dt.timedelta(minutes=minutes))
                if len(intervals) >= MOMENT_MEMO_SIZE:
                    intervals.clear()
                intervals[(timestamp, minutes)] = period
            start, end = period
        else:
            start = moments.get(start_text) or _parse_or_none(moment, start_text)  # type: ignore[assignment]
            if start is None:
                error(number, "start", "Dates must look like 2026-03-31 or 2026-03-31T14:15.")
                continue
            end = moments.get(end_text) or _parse_or_none(moment, end_text)  # type: ignore[assignment]
            if end is None:
                error(number, "end", "Dates must look like 2026-03-31 or 2026-03-31T14:15.")
                continue
            if end <= start:
                error(number, "end", "The period must end after it starts.")
                continue
        if quantity.is_signed() and quantity:
            error(number, "value", "An amount used cannot be negative.")
            continue
        entries.append(Prepared(number, meter, start, end, quantity, None, quality))

    for pk in [pk for pk, entries in per_meter.items() if not entries]:
        del per_meter[pk]
    result.total = total
    by_pk = {meter.pk: meter for meter in by_code.values()}
    result.meters = {pk: by_pk[pk] for pk in {*per_meter, *register_rows}}
    for meter_pk, reads in register_rows.items():
        _register_deltas(by_pk[meter_pk], reads, per_meter[meter_pk], result)
    for meter_pk, entries in per_meter.items():
        _check_overlaps(by_pk[meter_pk], entries, result)
    if result.ok:
        for meter_pk, entries in per_meter.items():
            _flag_outliers(by_pk[meter_pk], entries, result)
            result.readings.extend(entries)
    if progress is not None:
        progress(total, total)
    return result


def _factor(given: str, meter_unit: str) -> Decimal | str | None:
    """The factor from the given unit to the meter's, None if it is the same, or why not."""
    unit = given.strip()
    if not unit or unit == meter_unit:
        return None
    try:
        factor = units.multiplier(unit, meter_unit)
    except units.UnitError as problem:
        return str(problem)
    return None if factor == 1 else factor


def _register_deltas(
    meter: Meter,
    reads: list[tuple[int, dt.datetime, Decimal, str]],
    entries: list[Prepared],
    result: CheckResult,
) -> None:
    """Turn register reads into amounts used since the read before; the first ever read of a
    meter is its opening read."""
    reads.sort(key=lambda read: read[1])
    previous: tuple[Decimal, dt.datetime] | None = None
    if meter.last_register_at is not None and meter.last_register is not None:
        previous = (meter.last_register, meter.last_register_at)
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
        entries.append(Prepared(number, meter, last_at, when, register - last_register, register, quality))
        previous = (register, when)
    if previous is not None:
        result.register_heads[meter.pk] = previous


def _stored_periods(
    meter_pk: int, first: dt.datetime, last: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(
        Reading.objects.filter(meter_id=meter_pk, start__lt=last, end__gt=first)
        .order_by("start")
        .values_list("start", "end")
    )


def _check_overlaps(meter: Meter, entries: list[Prepared], result: CheckResult) -> None:
    """No two readings of a meter may cover the same time, within the file or against the database."""
    if not entries:
        return
    entries.sort(key=attrgetter("start"))
    # `latest` is the entry reaching furthest so far: a reading starting before its end overlaps it.
    latest = entries[0]
    for prepared in entries[1:]:
        if prepared.start < latest.end:
            kind = "the same period as" if prepared.start == latest.start else "a period that overlaps"
            result.error(
                prepared.number,
                "start",
                f"Meter {meter.code}: this reading covers {kind} row {latest.number}.",
            )
        if prepared.end > latest.end:
            latest = prepared
    first, last = entries[0].start, latest.end
    result.spans[meter.pk] = (first, last)
    stored = _stored_periods(meter.pk, first, last)
    if not stored:
        return
    index = 0
    for prepared in entries:
        while index < len(stored) and stored[index][1] <= prepared.start:
            index += 1
        if index == len(stored):
            break
        if stored[index][0] < prepared.end:
            start, end = stored[index]
            result.error(
                prepared.number,
                "start",
                f"Meter {meter.code} already has a reading for {_local(start)}–{_local(end)}.",
            )


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# Above this many readings, the meter's usual rate is the median of an even sample of them.
OUTLIER_SAMPLE = 10_000


def _flag_outliers(meter: Meter, entries: list[Prepared], result: CheckResult) -> None:
    """Flag readings whose rate per day is far from the meter's usual rate (a warning, not an error).

    The usual rate is the median of the last twelve months' totals and of the new readings.
    Readings shorter than a day (interval data) are only flagged when far above it: low values
    at night or at weekends are normal there. The limits are turned into amounts once per length
    of reading, so each reading costs one comparison.
    """
    if not entries:
        return
    history = [
        float(quantity) / _days_in_month(month)
        for quantity, month in MonthlyTotal.objects.filter(meter_id=meter.pk, reading_count__gt=0)
        .order_by("-month")
        .values_list("quantity", "month")[:12]
    ]
    if len(history) + len(entries) < 6:
        return
    step = max(1, len(entries) // OUTLIER_SAMPLE)
    sample = [float(p.quantity) * DAY_SECONDS / (p.end - p.start).total_seconds() for p in entries[::step]]
    median = statistics.median(history + sample)
    if median <= 0:
        return
    factor = float(meter.outlier_factor)
    limits: dict[dt.timedelta, tuple[Decimal, Decimal | None]] = {}
    for prepared in entries:
        length = prepared.end - prepared.start
        limit = limits.get(length)
        if limit is None:
            days = length.total_seconds() / DAY_SECONDS
            low = Decimal(repr(median / factor * days)) if days >= 1 else None
            limit = limits[length] = (Decimal(repr(median * factor * days)), low)
        high, low = limit
        quantity = prepared.quantity
        if quantity > high or (low is not None and quantity < low and quantity):
            prepared.is_outlier = True
            rate = float(quantity) * DAY_SECONDS / length.total_seconds()
            result.warn(
                prepared.number,
                f"Meter {meter.code}: {rate:,.2f} {meter.unit} a day is far from its usual {median:,.2f}.",
            )


def _days_in_month(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


# --- Months -------------------------------------------------------------------------------------


class MonthSplitter:
    """Splits amounts over calendar months (in the current time zone) by time.

    The month boundaries of the span are worked out once, in UTC, so placing a reading is a
    binary search rather than a time-zone conversion.
    """

    def __init__(self, first: dt.datetime, last: dt.datetime, tz: dt.tzinfo | None = None) -> None:
        self.tz = tz or timezone.get_current_timezone()
        local = first.astimezone(self.tz)
        year, month = local.year, local.month
        self.months: list[dt.date] = []
        self.bounds: list[dt.datetime] = []
        while True:
            boundary = dt.datetime(year, month, 1, tzinfo=self.tz).astimezone(UTC)
            self.months.append(dt.date(year, month, 1))
            self.bounds.append(boundary)
            if boundary >= last:
                break
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def shares(
        self, start: dt.datetime, end: dt.datetime, quantity: Decimal
    ) -> list[tuple[dt.date, Decimal]]:
        """The parts of the amount per month; they add up exactly to the amount."""
        bounds = self.bounds
        index = bisect.bisect_right(bounds, start) - 1
        if end <= bounds[index + 1]:
            return [(self.months[index], quantity)]
        # Each month gets the rounded running total up to its end less the one before: the
        # parts are never negative and add up exactly, however small the amount.
        total_seconds = Decimal((end - start).total_seconds())
        shares: list[tuple[dt.date, Decimal]] = []
        allotted = Decimal(0)
        while True:
            boundary = bounds[index + 1]
            if boundary >= end:
                shares.append((self.months[index], quantity - allotted))
                return shares
            elapsed = Decimal((boundary - start).total_seconds())
            running = (quantity * elapsed / total_seconds).quantize(SIX_PLACES)
            shares.append((self.months[index], running - allotted))
            allotted = running
            index += 1


def month_shares(start: dt.datetime, end: dt.datetime, quantity: Decimal) -> list[tuple[dt.date, Decimal]]:
    """Split one amount over the calendar months it spans by time; the parts add up exactly."""
    return MonthSplitter(start, end).shares(start, end, quantity)


def _totals_of(
    items: Iterable[tuple[int, dt.datetime, dt.datetime, Decimal, str]], splitter: MonthSplitter, sign: int
) -> dict[tuple[int, dt.date], list[Any]]:
    """(meter id, month) → [quantity, estimated quantity, invoiced quantity, reading count] of
    (meter id, start, end, quantity, quality) items; `sign` -1 takes them out.

    Items usually come meter by meter in time order, so the month of the previous item is tried
    first: most readings then cost two comparisons and an addition.
    """
    totals: dict[tuple[int, dt.date], list[Any]] = {}
    estimated, invoiced = Quality.ESTIMATED.value, Quality.INVOICED.value
    shares = splitter.shares
    bounds, months = splitter.bounds, splitter.months
    current_meter, low, high, entry = None, None, None, None
    for meter_pk, start, end, quantity, quality in items:
        if meter_pk == current_meter and low <= start and end <= high:  # type: ignore[operator]
            part = -quantity if sign < 0 else quantity
            entry[0] += part  # type: ignore[index]
            if quality == estimated:
                entry[1] += part  # type: ignore[index]
            elif quality == invoiced:
                entry[2] += part  # type: ignore[index]
            entry[3] += sign  # type: ignore[index]
            continue
        parts = shares(start, end, quantity)
        for month, part in parts:
            key = (meter_pk, month)
            entry = totals.get(key)
            if entry is None:
                entry = totals[key] = [Decimal(0), Decimal(0), Decimal(0), 0]
            if sign < 0:
                part = -part
            entry[0] += part
            if quality == estimated:
                entry[1] += part
            elif quality == invoiced:
                entry[2] += part
            entry[3] += sign
        if len(parts) == 1:
            index = months.index(parts[0][0])
            current_meter, low, high = meter_pk, bounds[index], bounds[index + 1]
        else:
            current_meter = None
    return totals


# --- Commit -------------------------------------------------------------------------------------

# What a check relied on about a meter; if any of it changed before the commit, check again.
_METER_FACTS = ("unit", "reading_kind", "interval_minutes", "is_active", "last_register_at", "site_id")


def commit(batch: ReadingBatch, result: CheckResult) -> int:
    """Write the checked readings and their monthly totals in one transaction.

    The meters are locked first and what the check relied on is verified again (the meter's
    settings and that no reading stored since overlaps), so two imports racing each other cannot
    both get in. Raises ValidationError, with nothing written, if the data changed meanwhile.
    """
    if not result.ok:
        raise ValidationError("The readings have errors; nothing was committed.")
    organisation_id = batch.organisation_id
    with transaction.atomic():
        checked = result.meters
        _verify(checked, result)
        months: list[dt.date] = []
        if result.readings:
            first = min(prepared.start for prepared in result.readings)
            last = max(prepared.end for prepared in result.readings)
            splitter = MonthSplitter(first, last)
            totals = _totals_of(
                ((p.meter.id, p.start, p.end, p.quantity, p.quality) for p in result.readings), splitter, 1
            )
            try:
                with transaction.atomic():
                    _insert(organisation_id, batch.pk, result.readings)
            except IntegrityError as error:
                raise ValidationError(
                    "Some of these readings were stored by someone else meanwhile; check the file again."
                ) from error
            _add_to_totals(organisation_id, totals, {pk: meter.site_id for pk, meter in checked.items()})
            months = sorted({month for _, month in totals})
        for meter_pk, (register, when) in result.register_heads.items():
            Meter.objects.filter(pk=meter_pk).update(last_register=register, last_register_at=when)
        batch.meters.add(*checked)
        count = len(result.readings)
        with change_note(
            ObjectChange.Action.TRANSITION, f"{count} reading{'s' if count != 1 else ''} committed."
        ):
            batch.status = ReadingBatch.Status.COMMITTED
            batch.committed_rows = count
            batch.total_rows = result.total
            batch.processed_rows = result.total
            batch.error_count = 0
            batch.errors = []
            batch.warnings = result.warnings
            batch.warning_count = result.warning_count
            batch.message = result.summary("committed")
            batch.finished_at = timezone.now()
            batch.save()
        if months:
            # In the same transaction: what is derived from the totals changes with them or not at all.
            readings_committed.send(sender=ReadingBatch, organisation_id=organisation_id, months=months)
    return count


def _verify(checked: dict[int, Meter], result: CheckResult) -> None:
    """Inside the commit's transaction: lock the meters and confirm the check still holds."""
    locked = {meter.pk: meter for meter in Meter.objects.select_for_update().filter(pk__in=list(checked))}
    changed = [
        meter.code
        for pk, meter in checked.items()
        if pk not in locked or any(getattr(locked[pk], name) != getattr(meter, name) for name in _METER_FACTS)
    ]
    if changed:
        raise ValidationError(
            f"Meter{'s' if len(changed) > 1 else ''} {', '.join(sorted(changed))} changed since the check; "
            "nothing was committed. Check the readings again."
        )
    for meter_pk, (first, last) in result.spans.items():
        if not _stored_periods(meter_pk, first, last):
            continue
        entries = [prepared for prepared in result.readings if prepared.meter.id == meter_pk]
        recheck = CheckResult()
        _check_overlaps(checked[meter_pk], entries, recheck)
        if not recheck.ok:
            raise ValidationError(
                f"Readings of meter {checked[meter_pk].code} were stored meanwhile for the same period "
                f"(row {recheck.errors[0]['row']}); nothing was committed. Check the readings again."
            )


READING_COLUMNS = (
    "organisation_id",
    "meter_id",
    "batch_id",
    "start",
    "end",
    "quantity",
    "register",
    "quality",
    "is_outlier",
)


def _insert(organisation_id: int, batch_id: int, readings: list[Prepared]) -> None:
    rows = (
        (
            organisation_id,
            p.meter.id,
            batch_id,
            p.start,
            p.end,
            p.quantity,
            p.register,
            p.quality,
            p.is_outlier,
        )
        for p in readings
    )
    insert_rows(rows)


INSERT_CHUNK = 10_000
COPY_NULL = "\\N"


def insert_rows(rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert checked reading rows, in the order of READING_COLUMNS with aware times: COPY on
    PostgreSQL, one prepared INSERT run many times elsewhere. Every constraint still applies.

    The values are written as they come (ids, numbers, a quality from the fixed list), so they
    must have passed `check`; the COPY text is formatted here rather than value by value by the
    driver, which is several times faster.
    """
    table = Reading._meta.db_table
    names = ", ".join(f'"{column}"' for column in READING_COLUMNS)
    postgresql = connection.vendor == "postgresql"
    texts: dict[dt.datetime, str] = {}

    def text(moment: dt.datetime) -> str:
        # Timestamps repeat across meters: each is formatted once.
        value = texts.get(moment)
        if value is None:
            if len(texts) > MOMENT_MEMO_SIZE:
                texts.clear()
            utc = moment.astimezone(UTC)
            # PostgreSQL reads the offset; SQLite keeps naive UTC text, as Django writes it.
            value = texts[moment] = utc.isoformat(" ") if postgresql else str(utc.replace(tzinfo=None))
        return value

    # In one transaction even when called outside one: SQLite commits each row otherwise.
    with transaction.atomic(), connection.cursor() as cursor:
        if postgresql:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                lines: list[str] = []
                for org, meter, batch, start, end, quantity, register, quality, outlier in rows:
                    lines.append(
                        f"{org}\t{meter}\t{batch}\t{text(start)}\t{text(end)}\t{quantity}\t"
                        f"{COPY_NULL if register is None else register}\t{quality}\t{'t' if outlier else 'f'}\n"
                    )
                    if len(lines) >= INSERT_CHUNK:
                        copy.write("".join(lines))
                        lines = []
                if lines:
                    copy.write("".join(lines))
            return
        placeholders = ", ".join(["%s"] * len(READING_COLUMNS))
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
        chunk: list[tuple[Any, ...]] = []
        for org, meter, batch, start, end, quantity, register, quality, outlier in rows:
            chunk.append(
                (
                    org,
                    meter,
                    batch,
                    text(start),
                    text(end),
                    str(quantity),
                    None if register is None else str(register),
                    quality,
                    outlier,
                )
            )
            if len(chunk) >= INSERT_CHUNK:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


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
    for (meter_id, month), (quantity, estimated, invoiced, count) in totals.items():
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
                    invoiced_quantity=invoiced,
                    reading_count=count,
                )
            )
        else:
            total.quantity += quantity
            total.estimated_quantity += estimated
            total.invoiced_quantity += invoiced
            total.reading_count += count
            changed.append(total)
    MonthlyTotal.objects.bulk_create(created, batch_size=2000)
    emptied = [total.pk for total in changed if total.reading_count <= 0]
    MonthlyTotal.objects.bulk_update(
        [total for total in changed if total.reading_count > 0],
        ["quantity", "estimated_quantity", "invoiced_quantity", "reading_count"],
        batch_size=2000,
    )
    if emptied:
        # A month whose readings were all taken out has no data, which is not the same as zero.
        MonthlyTotal.objects.filter(pk__in=emptied).delete()


def revert(batch: ReadingBatch) -> int:
    """Take a committed batch's readings out again, and out of the monthly totals."""
    if batch.status != ReadingBatch.Status.COMMITTED:
        raise ValidationError("Only committed readings can be taken out.")
    organisation_id = batch.organisation_id
    with transaction.atomic():
        readings = Reading.objects.filter(batch=batch)
        if readings.filter(register__isnull=False).exists():
            raise ValidationError("Register reads cannot be taken out: later reads are measured from them.")
        span = readings.aggregate(first=Min("start"), last=Max("end"))
        months: list[dt.date] = []
        removed = 0
        if span["first"] is not None:
            splitter = MonthSplitter(span["first"], span["last"])
            items = readings.order_by().values_list("meter_id", "start", "end", "quantity", "quality")
            totals = _totals_of(items.iterator(chunk_size=10_000), splitter, -1)
            site_of = dict(
                Meter.objects.filter(pk__in={meter_id for meter_id, _ in totals}).values_list("pk", "site_id")
            )
            # Plain SQL: readings have no change log and nothing refers to them, and the ORM's
            # delete would load every row first because of the project-wide delete receiver.
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {Reading._meta.db_table} WHERE batch_id = %s", [batch.pk])
                removed = cursor.rowcount
            _add_to_totals(organisation_id, totals, site_of)
            months = sorted({month for _, month in totals})
        with change_note(ObjectChange.Action.TRANSITION, f"{removed} readings taken out."):
            batch.status = ReadingBatch.Status.REVERTED
            batch.message = f"Taken out: {removed} reading{'s' if removed != 1 else ''} removed."
            batch.committed_rows = 0
            batch.save()
        if months:
            # In the same transaction: what is derived from the totals changes with them or not at all.
            readings_committed.send(sender=ReadingBatch, organisation_id=organisation_id, months=months)
    return removed
