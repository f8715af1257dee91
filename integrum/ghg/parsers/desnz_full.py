"""UK Government GHG conversion factors (DESNZ), "full set" format.

One sheet per emission source (Fuels, UK electricity, Waste disposal, …), each with guidance text
and one or more presentation tables. A table starts at a row whose first cell is "Activity"; its
left columns name the activity (Activity, Fuel/Type/Country/…, Unit, sometimes Year), its value
columns are headed "kg CO2e" or "kg CO2e of <gas> per unit", and a row above may group the value
columns ("Diesel", "With RF", "Landfill", …). Blank name cells mean "same as the row above".

The full set has no factor IDs. Each factor is identified by its cell ("Fuels!D42"), and gets the
key the flat file of the same family uses for that activity, looked up in `desnz_keys.tsv` (built
by `build_key_map` from the 2025 flat file and this layout, by matching sheet, names and unit).
An activity the flat file does not have gets a key of its own, `full:<sheet>:<activity>:<unit>`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from integrum.ghg.parsers import desnz_flat
from integrum.ghg.parsers.base import (
    MAX_KEY_LENGTH,
    OGL_LICENCE,
    ParsedDataset,
    ParsedFactor,
    clip,
    gwp_set_for,
    number,
    refuse,
    scope_number,
    slug,
    text,
)

LABEL = "the DESNZ full set"
KEY_MAP = Path(__file__).with_name("desnz_keys.tsv")
# Sheets of guidance and reference tables, not emission factors.
NOT_FACTORS = {"Introduction", "What's new", "Index", "Conversions", "Fuel properties", "Haul definition"}
# Name columns that are not part of the activity's name.
NOT_NAMES = {"unit", "year"}


@dataclass(frozen=True)
class Cell:
    """One published value with everything that names it."""

    sheet: str
    reference: str
    scope: int
    names: tuple[str, ...]  # Activity, Fuel/Type/…, then the group heading of the value column
    unit: str
    ghg: str
    value: Any

    @property
    def path(self) -> str:
        return desnz_flat.ACTIVITY_SEPARATOR.join(name for name in self.names if name)


def matches(workbook: Any) -> bool:
    if "Introduction" not in workbook.sheetnames or "Fuels" not in workbook.sheetnames:
        return False
    front = desnz_flat.front_page_values(workbook, "Introduction", {"factor set"})
    return text(front.get("factor set")).lower() == "full set"


def sheet_scope(rows: list[tuple[Any, ...]]) -> int | None:
    for row in rows[:12]:
        if row and text(row[0]).lower() == "scope:" and len(row) > 1:
            return scope_number(text(row[1]))
    return None


def group_headings(row: tuple[Any, ...], start: int, width: int) -> list[str]:
    """The row above a table's header, spread right over the value columns each heading spans."""
    headings, current = [], ""
    for position in range(width):
        cell = text(row[position]) if position < len(row) else ""
        if position >= start and cell:
            current = cell
        headings.append(current)
    return headings


def table_cells(sheet: str, rows: list[tuple[Any, ...]], scope: int) -> Iterator[Cell]:
    """Every numeric kg CO₂e cell of every table on the sheet, with its names filled down."""
    position = 0
    while position < len(rows):
        header = [text(cell) for cell in rows[position]]
        if not header or header[0] != "Activity":
            position += 1
            continue
        width = len(header)
        values = {
            column: desnz_flat.GASES[name.lower()]
            for column, name in enumerate(header)
            if name.lower() in desnz_flat.GASES
        }
        first_value = min(values, default=width)
        groups = group_headings(rows[position - 1] if position > 0 else (), first_value, width)
        names = [column for column in range(first_value) if header[column]]
        unit_column = next((column for column in names if header[column].lower() == "unit"), None)
        if not values or unit_column is None:
            position += 1
            continue
        filled: dict[int, str] = {}
        position += 1
        while position < len(rows):
            row = rows[position]
            cells = [row[column] if column < len(row) else None for column in range(width)]
            if text(cells[0]) == "Activity":
                break
            found = {column: number(cells[column]) for column in values}
            if not any(text(cells[column]) for column in names) and not any(
                v is not None for v in found.values()
            ):
                break  # a blank row ends the table
            for column in names:
                if text(cells[column]):
                    filled[column] = text(cells[column])
            if not text(cells[unit_column]) and all(v is None for v in found.values()):
                break  # a note under the table
            activity = tuple(
                filled.get(column, "") for column in names if header[column].lower() not in NOT_NAMES
            )
            for column, value in found.items():
                if value is None:
                    continue
                yield Cell(
                    sheet=sheet,
                    reference=f"{sheet}!{get_column_letter(column + 1)}{position + 1}",
                    scope=scope,
                    names=(*activity, groups[column] if column < len(groups) else ""),
                    unit=filled.get(unit_column, ""),
                    ghg=values[column],
                    value=value,
                )
            position += 1


def read_cells(workbook: Any) -> Iterator[Cell]:
    for sheet in workbook.sheetnames:
        if sheet in NOT_FACTORS:
            continue
        rows = list(workbook[sheet].iter_rows(values_only=True))
        scope = sheet_scope(rows)
        if scope is None:
            continue
        yield from table_cells(sheet, rows, scope)


# --- Keys shared with the flat file ----------------------------------------------------------


# Names DESNZ changed between editions for the same activity (2024/2026 ↔ 2025 wording), so
# that both spellings meet in the signature.
RENAMES = [
    (re.compile(r"\(non-refrigerated, all diesel\)"), "(all diesel)"),
    (re.compile(r"\s*\(refrigerated, all diesel\)"), " refrigerated (all diesel)"),
    (re.compile(r"^average (?:non-)?refrigerated (rigids|artics|hgvs)$"), r"all \1"),
    (re.compile(r"^incineration with energy recovery$"), "combustion"),
]


def match_text(value: str) -> str:
    lowered = " ".join(value.lower().replace("–", "-").split())
    for pattern, replacement in RENAMES:
        lowered = pattern.sub(replacement, lowered)
    return lowered


def signature(sheet: str, names: tuple[str, ...], unit: str) -> str:
    """How an activity is recognised in both layouts: sheet, names and unit, compared loosely."""
    return "\t".join(match_text(part) for part in (sheet, *(name for name in names if name), unit))


def flat_signatures(flat_workbook: Any) -> dict[str, str]:
    """signature → key, for every activity of a flat file."""
    rows = list(flat_workbook[desnz_flat.SHEET].iter_rows(values_only=True))
    start = desnz_flat.header_row(rows)
    found: dict[str, str] = {}
    for row in rows[(start or 0) + 1 :]:
        external_id, category = text(row[0]), text(row[2])
        if not external_id or "_" not in external_id or text(row[8]).lower() not in desnz_flat.GASES:
            continue
        level2, level3, level4, column_text, unit = (text(cell) for cell in row[3:8])
        if level4 == unit:
            level4 = ""
        found.setdefault(
            signature(category, (level2, level3, level4, column_text), unit), external_id.rsplit("_", 1)[0]
        )
    return found


def build_key_map(flat_workbook: Any, full_workbook: Any) -> str:
    """The content of `desnz_keys.tsv`: each full-set activity found in the flat file, as its key
    and signature, sorted. Rebuild it (`integrum factors keymap`) when an edition renames things."""
    flat = flat_signatures(flat_workbook)
    pairs = {
        (sig, flat[sig])
        for cell in read_cells(full_workbook)
        if (sig := signature(cell.sheet, cell.names, cell.unit)) in flat
    }
    lines = [
        "# Keys of the DESNZ flat file for the activities of the full set, matched by sheet, names and",
        "# unit (lower case). One activity per line: key, then its fields; an empty field repeats the",
        "# field above, as in the workbooks. Generated by `integrum factors keymap`; do not edit.",
    ]
    previous: list[str] = []
    for sig, key in sorted(pairs):
        fields = sig.split("\t")
        shown, same = [], True
        for position, field in enumerate(fields):
            same = same and position < len(previous) and previous[position] == field
            shown.append("" if same else field)
        lines.append("\t".join([key, *shown]))
        previous = fields
    return "\n".join(lines) + "\n"


def read_key_map(content: str) -> dict[str, str]:
    """signature → key, from the text `build_key_map` writes."""
    mapping: dict[str, str] = {}
    previous: list[str] = []
    for line in content.splitlines():
        if not line or line.startswith("#"):
            continue
        key, *shown = line.split("\t")
        fields = [
            field or (previous[position] if position < len(previous) else "")
            for position, field in enumerate(shown)
        ]
        mapping["\t".join(fields)] = key
        previous = fields
    return mapping


@cache
def shipped_key_map() -> dict[str, str]:
    return read_key_map(KEY_MAP.read_text(encoding="utf-8"))


def own_key(cell: Cell) -> str:
    """A key for an activity the flat file lacks; long ones end in a digest so they stay unique."""
    key = f"full:{slug(cell.sheet)}:{':'.join(slug(n) for n in cell.names if n)}:{slug(cell.unit)}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{key[: MAX_KEY_LENGTH - 11]}~{digest}"


def parse(workbook: Any) -> ParsedDataset:
    front = desnz_flat.front_page_values(workbook, "Introduction", {"version", "year"})
    year_text = text(front.get("year"))
    if not year_text.isdigit():
        raise refuse("The workbook does not say which year its factors are for.")
    edition = int(year_text)
    version = text(front.get("version")) or "1"
    keys = shipped_key_map()
    factors: list[ParsedFactor] = []
    gwp: dict[str, Any] = {}
    for cell in read_cells(workbook):
        key = keys.get(signature(cell.sheet, cell.names, cell.unit)) or own_key(cell)
        if cell.sheet == "Refrigerant & other" and cell.unit == "kg" and "only Kyoto" in cell.names[-1]:
            gwp.setdefault(cell.names[1].lower(), cell.value)
        factors.append(
            ParsedFactor(
                external_id=cell.reference,
                key=key,
                scope=cell.scope,
                category=clip(cell.sheet),
                activity=clip(cell.path),
                unit=cell.unit,
                ghg=cell.ghg,
                value=cell.value,
                value_unit=desnz_flat.VALUE_UNIT,
            )
        )
    if not factors:
        raise refuse("The workbook's sheets hold no factor tables.")
    return ParsedDataset(
        format="desnz-full",
        family="desnz",
        publisher=desnz_flat.PUBLISHER,
        name=f"{desnz_flat.TITLE} {edition} (full set, version {version})",
        edition=edition,
        version=version,
        licence=OGL_LICENCE,
        attribution=desnz_flat.ATTRIBUTION,
        source_url=desnz_flat.source_url(edition),
        gwp_set=gwp_set_for(gwp.get("methane"), gwp.get("nitrous oxide"), source="Refrigerant & other"),
        gases_in_co2e=True,
        factors=factors,
    )
