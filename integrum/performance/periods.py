"""Reporting periods of a KPI: a month, a quarter or a year, always named by its first day.

Values are stored against the first day of their period, so "March 2025" and "15 March 2025"
are the same monthly value and "Q1 2025" is 1 January 2025 for a quarterly KPI.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"
MONTHS_IN = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}

_MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def period_start(day: datetime.date, frequency: str) -> datetime.date:
    """The first day of the period `day` falls in."""
    if frequency == YEARLY:
        return datetime.date(day.year, 1, 1)
    if frequency == QUARTERLY:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return datetime.date(day.year, day.month, 1)


def add_periods(start: datetime.date, frequency: str, count: int = 1) -> datetime.date:
    """The first day of the period `count` periods after the one starting on `start`."""
    index = start.month - 1 + MONTHS_IN[frequency] * count
    return datetime.date(start.year + index // 12, index % 12 + 1, 1)


def period_end(start: datetime.date, frequency: str) -> datetime.date:
    """The last day of the period starting on `start`."""
    return add_periods(start, frequency) - datetime.timedelta(days=1)


def periods_between(start: datetime.date, end: datetime.date, frequency: str) -> list[datetime.date]:
    """First days of every period touching [start, end], in order."""
    cursor, last, found = period_start(start, frequency), period_start(end, frequency), []
    while cursor <= last:
        found.append(cursor)
        cursor = add_periods(cursor, frequency)
    return found


def months_of(start: datetime.date, frequency: str) -> list[datetime.date]:
    """First days of the calendar months making up the period starting on `start`."""
    return [add_periods(start, MONTHLY, n) for n in range(MONTHS_IN[frequency])]


def period_label(start: datetime.date, frequency: str) -> str:
    if frequency == YEARLY:
        return str(start.year)
    if frequency == QUARTERLY:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{_MONTH_NAMES[start.month - 1]} {start.year}"


def period_key(start: datetime.date, frequency: str) -> str:
    """The period as written in files: 2025-03, 2025-Q1 or 2025."""
    if frequency == YEARLY:
        return str(start.year)
    if frequency == QUARTERLY:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


_QUARTER = re.compile(r"^(?:(\d{4})\s*-?\s*Q([1-4])|Q([1-4])\s*-?\s*(\d{4}))$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^\d{4}$")


def parse_period(text: str, frequency: str) -> datetime.date:
    """A period from 2025-03-15, 2025-03, 2025-Q1, Q1 2025 or 2025, as the first day of the
    period of `frequency` it falls in. A year alone is refused for monthly and quarterly KPIs,
    and a quarter for monthly ones, because they do not name one period."""
    value = (text or "").strip()
    hint = {MONTHLY: "2025-03", QUARTERLY: "2025-Q1", YEARLY: "2025"}.get(frequency, "2025-03")
    if not value:
        raise ValidationError(f"Give the period, e.g. {hint}.")
    day: datetime.date | None = None
    if quarter := _QUARTER.match(value):
        if frequency == MONTHLY:
            raise ValidationError(f"“{value}” is a quarter; this KPI has a value per month, e.g. {hint}.")
        year, number = (
            (quarter.group(1), quarter.group(2)) if quarter.group(1) else (quarter.group(4), quarter.group(3))
        )
        day = datetime.date(int(year), 3 * (int(number) - 1) + 1, 1)
    elif _YEAR.match(value):
        if frequency != YEARLY:
            raise ValidationError(f"“{value}” is a whole year; give the {frequency[:-2]} too, e.g. {hint}.")
        day = datetime.date(int(value), 1, 1)
    elif month := _MONTH.match(value):
        if not 1 <= int(month.group(2)) <= 12:
            raise ValidationError(f"“{value}” is not a month; write it as {hint}.")
        day = datetime.date(int(month.group(1)), int(month.group(2)), 1)
    else:
        try:
            day = datetime.date.fromisoformat(value[:10])
        except ValueError:
            raise ValidationError(f"“{value}” is not a period; write it as {hint}.") from None
    return period_start(day, frequency)
