"""The heat map: the matrix drawn on the server as SVG, with the number of risks in each cell.

Likelihood runs up the side (highest at the top), consequence along the bottom; each cell is
coloured by its score's band and links to the register filtered to that cell. Every text is
escaped; colours are attributes so the same SVG prints without a stylesheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from integrum.risks.models import RiskMatrix

FILLS = {"low": "#c9e7cf", "medium": "#fbe3a1", "high": "#f6bd8b", "critical": "#ee9b9b"}
CELL, LEFT, TOP, BOTTOM = 56, 132, 40, 96


def heat_map(
    matrix: RiskMatrix,
    counts: Mapping[tuple[int, int], int],
    which: str,
    base_query: Mapping[str, list[str]],
    list_url: str,
) -> SafeString:
    """The SVG for `which` ("inherent" or "residual"); `counts[(likelihood, consequence)]` risks."""
    n = matrix.size
    title = f"{which.capitalize()} risk: likelihood × consequence"
    width = LEFT + n * CELL + 12
    height = TOP + n * CELL + BOTTOM
    parts = [
        f'<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart__title" font-size="14" font-weight="600" fill="#1d2530" x="0" y="16">'
        f"{escape(which.capitalize())}</text>",
    ]
    for likelihood in range(1, n + 1):
        y = TOP + (n - likelihood) * CELL
        parts.append(
            f'<text class="chart__label" font-size="11" fill="#444" x="{LEFT - 8}" y="{y + CELL / 2 + 4:.0f}" '
            f'text-anchor="end">{likelihood} {escape(matrix.likelihood_label(likelihood))}</text>'
        )
        for consequence in range(1, n + 1):
            x = LEFT + (consequence - 1) * CELL
            value = likelihood * consequence
            band = matrix.band_for(value)
            level = band.level if band else "low"
            count = counts.get((likelihood, consequence), 0)
            query = {k: v for k, v in base_query.items() if k not in _CELL_KEYS}
            query[f"{which}_likelihood"] = [str(likelihood)]
            query[f"{which}_consequence"] = [str(consequence)]
            href = f"{list_url}?{urlencode(query, doseq=True)}"
            noun = "risk" if count == 1 else "risks"
            tip = (
                f"{which.capitalize()}: likelihood {likelihood} ({matrix.likelihood_label(likelihood)}) × "
                f"consequence {consequence} ({matrix.consequence_label(consequence)}) = {value}, "
                f"{band.label if band else ''} — {count} {noun}"
            )
            parts.append(
                f'<a href="{escape(href)}" aria-label="{escape(tip)}" data-cell="{which}-{likelihood}-{consequence}">'
                f"<title>{escape(tip)}</title>"
                f'<rect class="heatmap__cell heatmap__cell--{level}" fill="{FILLS[level]}" stroke="#ffffff" '
                f'stroke-width="2" x="{x}" y="{y}" width="{CELL}" height="{CELL}"/>'
                f'<text font-size="{16 if count else 11}" font-weight="{600 if count else 400}" '
                f'fill="{"#1d2530" if count else "#6b7480"}" x="{x + CELL / 2:.0f}" y="{y + CELL / 2 + 5:.0f}" '
                f'text-anchor="middle">{count if count else value}</text></a>'
            )
    axis_y = TOP + n * CELL
    for consequence in range(1, n + 1):
        centre = LEFT + (consequence - 0.5) * CELL
        label = matrix.consequence_label(consequence)
        parts.append(
            f'<text class="chart__label" font-size="11" fill="#444" x="{centre:.0f}" y="{axis_y + 16}" '
            f'text-anchor="middle">{consequence}</text>'
            f'<text class="chart__label" font-size="10" fill="#444" '
            f'transform="translate({centre:.0f} {axis_y + 26}) rotate(30)">{escape(label[:18])}</text>'
        )
    parts.append(
        f'<text class="chart__label" font-size="12" fill="#444" x="{LEFT + n * CELL / 2:.0f}" '
        f'y="{height - 4}" text-anchor="middle">Consequence →</text>'
        f'<text class="chart__label" font-size="12" fill="#444" x="0" y="{TOP - 8}">Likelihood ↑</text>'
        "</svg>"
    )
    return mark_safe("".join(parts))  # every interpolated text is escaped above


_CELL_KEYS = frozenset(
    {"inherent_likelihood", "inherent_consequence", "residual_likelihood", "residual_consequence", "page"}
)
