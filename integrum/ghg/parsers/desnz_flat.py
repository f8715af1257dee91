"""UK Government GHG conversion factors (DESNZ), "flat file" format.

One sheet, `Factors by Category`, one factor per row under the header
`ID | Scope | Level 1 | Level 2 | Level 3 | Level 4 | Column Text | UOM | GHG/Unit | GHG Conversion Factor <year>`.
An ID such as `1_100_1004_6_1` names the activity (`1_100_1004_6`, the same in every edition)
followed by the row kind: 1 kg CO₂e in total, 2–4 the CO₂, CH₄ and N₂O parts (also in CO₂e), then
rows that convert the activity to kWh. Only the kg CO₂e kinds are emission factors, so the kWh
rows are left out, as are rows whose factor cell is empty (not available for that edition).
"""

from __future__ import annotations

from typing import Any

from integrum.ghg.parsers.base import (
    OGL_ATTRIBUTION,
    OGL_LICENCE,
    ParsedDataset,
    ParsedFactor,
    clip,
    gwp_set_for,
    number,
    refuse,
    scope_number,
    text,
)

LABEL = "the DESNZ flat file"
SHEET = "Factors by Category"
HEADER = ["ID", "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM", "GHG/Unit"]
PUBLISHER = "UK Department for Energy Security and Net Zero (DESNZ)"
TITLE = "UK Government GHG Conversion Factors for Company Reporting"
ATTRIBUTION = f"{OGL_ATTRIBUTION} Source: {PUBLISHER}, {TITLE}."
# "GHG/Unit" (flat file) or value-column header (full set) → gas. All are kg of CO₂e.
GASES = {
    "kg co2e": "CO2e",
    "kg co2e of co2 per unit": "CO2",
    "kg co2e of ch4 per unit": "CH4",
    "kg co2e of n2o per unit": "N2O",
}
VALUE_UNIT = "kg CO2e"
ACTIVITY_SEPARATOR = " › "


def source_url(edition: int) -> str:
    return f"https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-{edition}"


def header_row(rows: list[tuple[Any, ...]]) -> int | None:
    for index, row in enumerate(rows[:30]):
        if [text(cell) for cell in row[: len(HEADER)]] == HEADER:
            return index
    return None


def matches(workbook: Any) -> bool:
    if SHEET not in workbook.sheetnames:
        return False
    head = list(workbook[SHEET].iter_rows(max_row=30, values_only=True))
    return header_row(head) is not None


def front_page_values(workbook: Any, sheet: str, labels: set[str]) -> dict[str, Any]:
    """The value right of each first-found label ("Version:" → 1.1) on a title sheet."""
    found: dict[str, Any] = {}
    if sheet not in workbook.sheetnames:
        return found
    for row in workbook[sheet].iter_rows(max_row=40, values_only=True):
        for position, cell in enumerate(row[:-1]):
            label = text(cell).rstrip(":").strip().lower()
            if label in labels and label not in found and row[position + 1] is not None:
                found[label] = row[position + 1]
    return found


def activity_text(levels: list[str], unit: str) -> str:
    """Levels 2–4 and the column text, joined; Level 4 of the electricity and heat rows only
    repeats the unit ("kWh"), so it is left out."""
    parts = [
        level for position, level in enumerate(levels) if level and not (position == 2 and level == unit)
    ]
    return ACTIVITY_SEPARATOR.join(parts)


def parse(workbook: Any) -> ParsedDataset:
    rows = list(workbook[SHEET].iter_rows(values_only=True))
    start = header_row(rows)
    if start is None:  # matches() said otherwise; keep the type checker and a changed file honest
        raise refuse(f"The sheet “{SHEET}” has no header row.")
    value_header = text(rows[start][9]) if len(rows[start]) > 9 else ""
    front = front_page_values(workbook, "Front page", {"version", "year"})
    year_text = text(front.get("year")) or value_header.rsplit(" ", 1)[-1]
    if not year_text.isdigit():
        raise refuse("The workbook does not say which year its factors are for.")
    edition = int(year_text)
    version = text(front.get("version")) or "1"

    factors: list[ParsedFactor] = []
    gwp: dict[str, Any] = {}
    seen: set[str] = set()
    for row in rows[start + 1 :]:
        cells = list(row[:10]) + [None] * (10 - len(row[:10]))
        external_id = text(cells[0])
        gas = GASES.get(text(cells[8]).lower())
        value = number(cells[9])
        if not external_id or gas is None or value is None:
            continue
        if external_id in seen:
            raise refuse(f"The factor ID {external_id} appears twice in the workbook.")
        seen.add(external_id)
        scope = scope_number(text(cells[1]))
        if scope is None or "_" not in external_id:
            raise refuse(f"The row with ID {external_id} has no scope or an ID of an unknown shape.")
        category, *levels = (text(cell) for cell in cells[2:7])
        unit = text(cells[7])
        if (
            category == "Refrigerant & other"
            and unit == "kg"
            and gas == "CO2e"
            and levels[3].startswith("Emissions including only Kyoto")
        ):
            gwp.setdefault(levels[1].lower(), value)
        factors.append(
            ParsedFactor(
                external_id=external_id,
                key=external_id.rsplit("_", 1)[0],
                scope=scope,
                category=clip(category),
                activity=clip(activity_text(levels, unit)),
                unit=unit,
                ghg=gas,
                value=value,
                value_unit=VALUE_UNIT,
            )
        )
    if not factors:
        raise refuse(f"The sheet “{SHEET}” holds no factors.")
    return ParsedDataset(
        format="desnz-flat",
        family="desnz",
        publisher=PUBLISHER,
        name=f"{TITLE} {edition} (flat file, version {version})",
        edition=edition,
        version=version,
        licence=OGL_LICENCE,
        attribution=ATTRIBUTION,
        source_url=source_url(edition),
        gwp_set=gwp_set_for(gwp.get("methane"), gwp.get("nitrous oxide"), source="Refrigerant & other"),
        gases_in_co2e=True,
        factors=factors,
    )
