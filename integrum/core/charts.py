"""Charts drawn on the server as SVG, so the same chart shows in the page and in the PDF.

Colours and sizes are written as attributes (the PDF renderer needs no stylesheet); the page's
CSS may restyle them through the classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TEXT_STYLE = {
    "chart__title": 'font-size="14" font-weight="600" fill="#1d2530"',
    "chart__label": 'font-size="12" fill="#444"',
    "chart__value": 'font-size="12" font-weight="600" fill="#222"',
}


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # e.g. "chart__bar--quality"
    fill: str
    values: Sequence[float | None]  # one per category; None = nothing to show


def _text(css_class: str, x: float, y: float, content: str, anchor: str = "start") -> str:
    return (
        f'<text class="{css_class}" {TEXT_STYLE[css_class]} x="{x:.1f}" y="{y:.1f}" '
        f'text-anchor="{anchor}">{escape(content)}</text>'
    )


def _rect(css_class: str, fill: str, x: float, y: float, width: float, height: float, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect class="{escape(css_class)}" fill="{escape(fill)}" x="{x:.1f}" y="{y:.1f}" '
        f'width="{width:.1f}" height="{height:.1f}">{title}</rect>'
    )


def percent_bars(
    title: str, categories: Sequence[str], series: Sequence[Series], width: int = 640
) -> SafeString:
    """Horizontal grouped bars on a 0–100 % scale, one group per category, one bar per series."""
    label_width, value_width, bar, gap, top = 170, 48, 14, 10, 50
    plot = width - label_width - value_width
    row = bar * len(series) + gap
    bottom = top + row * len(categories)
    height = bottom + 30
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text("chart__title", 0, 16, title),
    ]
    for tick in (0, 50, 100):
        x = label_width + plot * tick / 100
        parts.append(
            f'<line class="chart__axis" stroke="#c5ccd3" stroke-dasharray="2 3" '
            f'x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom - gap + 2}"/>'
        )
        parts.append(_text("chart__label", x, top - 10, f"{tick} %", "middle"))
    for i, category in enumerate(categories):
        y0 = top + i * row
        parts.append(_text("chart__label", label_width - 8, y0 + bar * len(series) / 2 + 4, category, "end"))
        for j, s in enumerate(series):
            value, y = s.values[i], y0 + j * bar
            parts.append(_rect("chart__bar--track", "#e6eaef", label_width, y, plot, bar - 3))
            if value is None:
                text = "n/a"
            else:
                text = f"{value:.0f} %"
                tip = f"{category} · {s.name}: {value:.1f} %"
                parts.append(_rect(s.css_class, s.fill, label_width, y, plot * value / 100, bar - 3, tip))
            parts.append(_text("chart__value", label_width + plot + 6, y + bar - 4, text))
    x = label_width
    for s in series:
        parts.append(_rect(s.css_class, s.fill, x, bottom + 6, 12, 12))
        parts.append(_text("chart__label", x + 16, bottom + 16, s.name))
        x += 24 + 8 * len(s.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def _nice_step(largest: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` gridlines."""
    import math

    if largest <= 0:
        return 1.0
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def _amount(value: float, step: float) -> str:
    decimals = 0 if step >= 1 else min(6, len(f"{step:f}".rstrip("0").split(".")[1]))
    return f"{value:,.{decimals}f}"


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str,
    stacked: bool = False,
    width: int = 640,
    height: int = 260,
) -> SafeString:
    """Vertical bars on a scale from zero in `unit`, one group per category (e.g. a month):
    one bar per series side by side, or the series stacked into one bar."""
    left, right, top, legend = 64, 8, 44, 26
    bottom = height - 22 - legend
    plot_width, plot_height = width - left - right, bottom - top
    count = max(1, len(categories))
    if stacked:
        largest = max((sum(s.values[i] or 0 for s in series) for i in range(len(categories))), default=0.0)
    else:
        largest = max((v for s in series for v in s.values if v is not None), default=0.0)
    step = _nice_step(float(largest))
    ceiling = step * max(1, -(-float(largest) // step))
    band = plot_width / count
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text("chart__title", 0, 16, title),
        _text("chart__label", 0, top - 12, unit),
    ]
    tick = 0.0
    while tick <= ceiling + step / 2:
        y = bottom - plot_height * tick / ceiling
        parts.append(
            f'<line class="chart__axis" stroke="#c5ccd3" stroke-dasharray="2 3" '
            f'x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
        )
        parts.append(_text("chart__label", left - 6, y + 4, _amount(tick, step), "end"))
        tick += step
    for i, category in enumerate(categories):
        x0 = left + i * band
        parts.append(_text("chart__label", x0 + band / 2, bottom + 16, category, "middle"))
        if stacked:
            bar_width, base = band * 0.6, 0.0
            for s in series:
                value = s.values[i]
                if not value:
                    continue
                y = bottom - plot_height * (base + value) / ceiling
                tip = f"{category} · {s.name}: {_amount(value, step / 100)} {unit}"
                parts.append(
                    _rect(
                        s.css_class, s.fill, x0 + band * 0.2, y, bar_width, plot_height * value / ceiling, tip
                    )
                )
                base += value
            continue
        bar_width = band * 0.8 / max(1, len(series))
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            bar_height = plot_height * value / ceiling
            tip = f"{category} · {s.name}: {_amount(value, step / 100)} {unit}"
            parts.append(
                _rect(
                    s.css_class,
                    s.fill,
                    x0 + band * 0.1 + j * bar_width,
                    bottom - bar_height,
                    bar_width - 1,
                    bar_height,
                    tip,
                )
            )
    parts.append(
        f'<line class="chart__axis" stroke="#9aa3ad" x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}"/>'
    )
    x = float(left)
    for s in series:
        parts.append(_rect(s.css_class, s.fill, x, height - 16, 12, 12))
        parts.append(_text("chart__label", x + 16, height - 6, s.name))
        x += 28 + 7 * len(s.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


# --- Line chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal line across a line chart, e.g. a target or a warning threshold."""

    label: str
    value: float
    stroke: str = "#b42318"
    css_class: str = "chart__ref"


def format_number(value: float) -> str:
    """A figure as people read it: thousands separated, a few decimals only where they matter."""
    size = abs(value)
    decimals = 0 if size >= 100 else 2 if size >= 1 else 4
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _line_scale(values: Sequence[float]) -> tuple[float, float, float]:
    """(low, high, step) of a y axis holding every value and zero, in round steps."""
    import math

    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = low + 1
    raw = (high - low) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next((m * power for m in (1, 2, 2.5, 5, 10) if raw <= m * power), 10 * power)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def line_chart(
    title: str,
    points: Sequence[tuple[str, float | Decimal | None]],
    *,
    unit: str = "",
    references: Sequence[ReferenceLine] = (),
    description: str = "",
    width: int = 640,
    height: int = 280,
    stroke: str = "#1f6fb2",
    table: bool = True,
    chart_id: str = "",
) -> SafeString:
    """One series over time as a line, with optional horizontal reference lines.

    `points` are (label, value) in order; a None value is a gap in the line. The SVG names itself
    with `<title>` and `<desc>`, every point has a tooltip, and with `table` a data table follows
    in a `<details>` for readers who cannot see the chart (pass `table=False` for print).
    """
    import hashlib

    ident = chart_id or "chart-" + hashlib.sha1(f"{title}{points}".encode()).hexdigest()[:8]
    values = [float(v) for _, v in points if v is not None]
    ref_values = [float(r.value) for r in references]
    left, right, top = 72, 132, 40
    bottom = height - 36
    plot_width, plot_height = width - left - right, bottom - top
    low, high, step = _line_scale(values + ref_values) if values or ref_values else (0.0, 1.0, 0.25)

    def y_of(value: float) -> float:
        return bottom - plot_height * (value - low) / (high - low)

    count = max(1, len(points))

    def x_of(index: int) -> float:
        return left + plot_width * (index + 0.5) / count

    if not description:
        shown = [(label, float(v)) for label, v in points if v is not None]
        if shown:
            description = (
                f"{len(points)} periods from {points[0][0]} to {points[-1][0]}; "
                f"latest value {format_number(shown[-1][1])} {unit} ({shown[-1][0]}), "
                f"lowest {format_number(min(v for _, v in shown))}, highest {format_number(max(v for _, v in shown))}."
            )
        else:
            description = "No values in the period shown."
        for ref in references:
            description += f" {ref.label}: {format_number(float(ref.value))} {unit}."
    parts = [
        f'<svg class="chart chart--line" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        _text("chart__title", 0, 16, title),
        _text("chart__label", 0, top - 10, unit),
    ]
    tick = low
    while tick <= high + step / 2:
        y = y_of(tick)
        parts.append(
            f'<line class="chart__grid" stroke="#dde2e7" stroke-dasharray="2 3" '
            f'x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}"/>'
        )
        parts.append(_text("chart__label", left - 6, y + 4, format_number(tick), "end"))
        tick += step
    parts.append(
        f'<line class="chart__axis" stroke="#9aa3ad" x1="{left}" y1="{bottom}" x2="{left + plot_width}" y2="{bottom}"/>'
    )
    # Labels counted back from the latest point, so the most recent period is always named.
    every = max(1, -(-len(points) // max(1, plot_width // 64)))
    for i, (label, _) in enumerate(points):
        if (len(points) - 1 - i) % every == 0:
            parts.append(_text("chart__label", x_of(i), bottom + 16, label, "middle"))
    for ref in references:
        y = y_of(float(ref.value))
        parts.append(
            f'<line class="{escape(ref.css_class)}" stroke="{escape(ref.stroke)}" stroke-width="1.5" '
            f'stroke-dasharray="6 4" x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}">'
            f"<title>{escape(ref.label)}: {escape(format_number(float(ref.value)))} {escape(unit)}</title></line>"
        )
        parts.append(
            f'<text class="chart__label" {TEXT_STYLE["chart__label"]} x="{left + plot_width + 6}" y="{y + 4:.1f}">'
            f"{escape(ref.label)} {escape(format_number(float(ref.value)))}</text>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (_, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x_of(i):.1f},{y_of(float(value)):.1f}")
    if segment:
        segments.append(segment)
    for coordinates in segments:
        if len(coordinates) > 1:
            parts.append(
                f'<polyline class="chart__line" fill="none" stroke="{escape(stroke)}" stroke-width="2" '
                f'points="{" ".join(coordinates)}"/>'
            )
    for i, (label, value) in enumerate(points):
        if value is None:
            continue
        tip = f"{label}: {format_number(float(value))} {unit}".strip()
        parts.append(
            f'<circle class="chart__point" fill="{escape(stroke)}" cx="{x_of(i):.1f}" cy="{y_of(float(value)):.1f}" '
            f'r="3.5"><title>{escape(tip)}</title></circle>'
        )
    if not values:
        parts.append(
            _text("chart__label", left + plot_width / 2, top + plot_height / 2, "No values yet", "middle")
        )
    parts.append("</svg>")
    if not table:
        return mark_safe("".join(parts))  # every interpolated text is escaped above
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        f'<td class="num">{"—" if value is None else escape(format_number(float(value)))}</td></tr>'
        for label, value in points
    )
    notes = "".join(
        f"<li>{escape(ref.label)}: {escape(format_number(float(ref.value)))} {escape(unit)}</li>"
        for ref in references
    )
    fallback = (
        f'<details class="chart__data"><summary>Data table</summary>'
        f'<table class="table"><caption>{escape(title)}</caption>'
        f'<thead><tr><th scope="col">Period</th><th scope="col" class="num">Value{f" ({escape(unit)})" if unit else ""}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{f'<ul>{notes}</ul>' if notes else ''}</details>"
    )
    return mark_safe(f'<figure class="chart-figure">{"".join(parts)}{fallback}</figure>')  # escaped above
