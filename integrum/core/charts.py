"""Charts drawn on the server as SVG, so the same chart shows in the page and in the PDF.

Colours and sizes are written as attributes (the PDF renderer needs no stylesheet); the page's
CSS may restyle them through the classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
