"""Charts drawn on the server as SVG, so the same chart shows in the page and in the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # e.g. "chart__bar--quality"; the page's CSS may restyle it
    fill: str  # also written as an attribute, so the PDF renderer needs no stylesheet
    values: Sequence[float | None]  # one per category; None = nothing to show


def percent_bars(title: str, categories: Sequence[str], series: Sequence[Series], width: int = 640) -> SafeString:
    """Horizontal grouped bars on a 0–100 % scale, one group per category, one bar per series."""
    label_width, value_width, bar_height, gap, top = 170, 48, 14, 10, 34
    plot = width - label_width - value_width
    row = bar_height * len(series) + gap
    legend_height = 22
    height = top + row * len(categories) + legend_height + 8
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart__title" font-size="14" font-weight="600" x="0" y="16">{escape(title)}</text>',
    ]
    for tick in (0, 50, 100):
        x = label_width + plot * tick / 100
        parts.append(
            f'<line class="chart__axis" stroke="#c5ccd3" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
            f'y2="{top + row * len(categories) - gap + 2}" stroke-dasharray="2 3"/>'
            f'<text class="chart__label" font-size="12" fill="#444" x="{x:.1f}" y="{top - 10}" text-anchor="middle">{tick} %</text>'
        )
    for i, category in enumerate(categories):
        y0 = top + i * row
        parts.append(
            f'<text class="chart__label" font-size="12" fill="#444" x="{label_width - 8}" y="{y0 + bar_height * len(series) / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(category)}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + j * bar_height
            parts.append(
                f'<rect class="chart__bar--track" fill="#e6eaef" x="{label_width}" y="{y}" width="{plot}" '
                f'height="{bar_height - 3}"/>'
            )
            if value is None:
                text, tip = "n/a", f"{category} · {s.name}: nothing to assess"
            else:
                text, tip = f"{value:.0f} %", f"{category} · {s.name}: {value:.1f} %"
                parts.append(
                    f'<rect class="{escape(s.css_class)}" fill="{escape(s.fill)}" x="{label_width}" y="{y}" '
                    f'width="{plot * value / 100:.1f}" height="{bar_height - 3}"><title>{escape(tip)}</title></rect>'
                )
            parts.append(
                f'<text class="chart__value" font-size="12" font-weight="600" fill="#222" x="{label_width + plot + 6}" y="{y + bar_height - 4}">{text}</text>'
            )
    legend_y = top + row * len(categories) + 6
    x = label_width
    for s in series:
        parts.append(
            f'<rect class="{escape(s.css_class)}" fill="{escape(s.fill)}" x="{x}" y="{legend_y}" width="12" height="12"/>'
            f'<text class="chart__label" font-size="12" fill="#444" x="{x + 16}" y="{legend_y + 10}">{escape(s.name)}</text>'
        )
        x += 24 + 8 * len(s.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
