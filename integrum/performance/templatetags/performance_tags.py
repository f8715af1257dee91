"""Filters for showing KPI figures: numbers people read, with their unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from integrum.core.charts import format_number
from integrum.performance.periods import period_label

register = template.Library()


@register.filter
def amount(value: Decimal | float | None, unit: str = "") -> str:
    """`{{ value|amount:kpi.unit }}`: 1,234 kWh, 0.5 t CO2e, or — without a value."""
    if value is None or value == "":
        return "—"
    text = format_number(float(value))
    return f"{text} {unit}".strip()


@register.filter
def period(value: Any, frequency: str) -> str:
    """`{{ row.period|period:kpi.frequency }}`: Mar 2025, Q1 2025 or 2025."""
    return period_label(value, frequency) if value else "—"
