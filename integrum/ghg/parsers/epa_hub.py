"""US EPA "Emission Factors for Greenhouse Gas Inventories" (GHG Emission Factors Hub).

One sheet with twelve tables stacked down it, each starting at a "Table N" cell in column B, the
data from column C on. Factors are masses of each gas (kg CO₂, g CH₄, g N₂O per unit), not CO₂e,
except the waste table (metric tons CO₂e per short ton). Values are kept in the units published:
electricity (Table 6) stays in lb per MWh. Tables 1–5 are scope 1, 6–7 scope 2, 8–10 scope 3;
Table 11 gives the GWPs the hub was written for, and 12 (refrigerant blends) holds no factors.

The hub has no factor IDs: each factor is identified by its cell ("E38") and gets a key built
from its table, activity and unit, e.g. `epa:t1:natural-gas:mmbtu`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from integrum.ghg.parsers.base import (
    MAX_KEY_LENGTH,
    ParsedDataset,
    ParsedFactor,
    clip,
    gwp_set_for,
    number,
    refuse,
    slug,
    text,
)

LABEL = "the EPA GHG Emission Factors Hub"
TITLE = "Emission Factors for Greenhouse Gas Inventories"
PUBLISHER = "U.S. Environmental Protection Agency (EPA), Center for Corporate Climate Leadership"
LICENCE = "Public domain (U.S. government work)"
SOURCE_URL = "https://www.epa.gov/climateleadership/ghg-emission-factors-hub"
SCOPES = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2, 7: 2, 8: 3, 9: 3, 10: 3}
# "kg CO2 per mmBtu", "(g CH4 / vehicle-mile)", "(lb CO2 / MWh)", "kg CO2 per unit"
FACTOR_UNIT = re.compile(r"\(?\s*(kg|g|lb)\s+(CO2|CH4|N2O)\s*(?:per|/)\s*([^)]+?)\s*\)?$", re.IGNORECASE)
GASES = {"co2": "CO2", "ch4": "CH4", "n2o": "N2O"}
# Footnote letters stuck to names: "Passenger Car A", "Medium- and Heavy-Duty TruckC", "RecycledA".
FOOTNOTE = re.compile(r"(?<=[a-z)\s])[A-E]$")


def clean(value: Any) -> str:
    return FOOTNOTE.sub("", text(value)).strip()


@dataclass
class Table:
    number: int
    title: str
    rows: list[tuple[int, list[Any]]]  # (sheet row number, cells from column A)


@dataclass(frozen=True)
class Value:
    row: int
    column: int
    names: tuple[str, ...]
    unit: str
    ghg: str
    value: Decimal
    value_unit: str
    key_names: tuple[str, ...] = ()


def matches(workbook: Any) -> bool:
    for sheet in workbook.worksheets[:3]:
        for row in sheet.iter_rows(max_row=6, values_only=True):
            if any(text(cell) == TITLE for cell in row):
                return True
    return False


def tables(rows: list[tuple[Any, ...]]) -> dict[int, Table]:
    found: dict[int, Table] = {}
    current: Table | None = None
    for index, row in enumerate(rows, start=1):
        cells = list(row)
        marker = re.fullmatch(r"Table (\d+)", text(cells[1]) if len(cells) > 1 else "")
        if marker:
            current = Table(int(marker.group(1)), text(cells[2]) if len(cells) > 2 else "", [])
            found[current.number] = current
        elif current is not None and any(text(cell) for cell in cells):
            current.rows.append((index, cells + [None] * (12 - len(cells))))
    return found


def factor_columns(header: list[Any]) -> dict[int, tuple[str, str, str]]:
    """column → (gas, value unit, activity unit) for headers like "CH4 Factor (g CH4 / gallon)"."""
    columns = {}
    for column, cell in enumerate(header):
        match = FACTOR_UNIT.search(text(cell))
        if match:
            columns[column] = (GASES[match.group(2).lower()], match.group(1).lower(), match.group(3))
    return columns


def stationary(table: Table) -> Iterator[Value]:
    """Table 1: per fuel, factors per mmBtu and per physical unit, under repeated unit rows."""
    columns: dict[int, tuple[str, str, str]] = {}
    section = ""
    for row, cells in table.rows:
        units = factor_columns(cells)
        if units:
            columns = units
            continue
        name = clean(cells[2])
        found = {column: number(cells[column]) for column in columns}
        if name and all(value is None for value in found.values()) and not text(cells[3]):
            section = name  # "Coal and Coke", "Petroleum Products", …
            continue
        if not columns or not name or name.startswith(("Source", "Federal Register", "http", "Notes")):
            continue
        for column, value in found.items():
            if value is not None:
                gas, value_unit, unit = columns[column]
                yield Value(row, column, (section, name), unit, gas, value, value_unit)


def listed(table: Table, *, unit_column: str = "unit") -> Iterator[Value]:
    """Tables whose header row names each factor's gas and unit, with the activity's names to the
    left (filled down) and sometimes a "Unit(s)" column giving the unit per row."""
    header_at = next((i for i, (_, cells) in enumerate(table.rows) if factor_columns(cells)), None)
    if header_at is None:
        return
    header = table.rows[header_at][1]
    columns = factor_columns(header)
    first = min(columns)
    name_columns = [2, *(c for c in range(3, first) if text(header[c]))]
    per_row_unit = next(
        (c for c, cell in enumerate(header) if text(cell).lower().startswith(unit_column)), None
    )
    filled: dict[int, str] = {}
    for row, cells in table.rows[header_at + 1 :]:
        label = text(cells[2])
        if label.startswith(("Source", "Notes", "http")):
            break
        for column in name_columns:
            name = clean(cells[column])
            if not name:
                continue
            if column == 2 and name.startswith("(") and filled.get(2):
                continue  # "(Vans, Pickup Trucks, SUVs)" continues the name above it
            filled[column] = name
            # a new name on the left starts a new group: what is right of it no longer applies
            for right in name_columns:
                if right > column and not text(cells[right]):
                    filled.pop(right, None)
        names = tuple(filled[c] for c in name_columns if filled.get(c))
        for column, (gas, value_unit, unit) in columns.items():
            value = number(cells[column])
            if value is None:
                continue
            row_unit = text(cells[per_row_unit]) if per_row_unit is not None else ""
            yield Value(
                row, column, names, row_unit if unit.lower() == "unit" else unit, gas, value, value_unit
            )


def electricity(table: Table) -> Iterator[Value]:
    """Table 6: per eGRID subregion, total-output and non-baseload lb of each gas per MWh."""
    header_at = next(i for i, (_, cells) in enumerate(table.rows) if text(cells[2]).startswith("eGRID"))
    groups = table.rows[header_at - 1][1]
    units = factor_columns(table.rows[header_at + 1][1])
    group = {}
    current = ""
    for column in range(len(groups)):
        if text(groups[column]):
            current = text(groups[column]).replace(" Emission Factors", "").lower()
        group[column] = current
    for row, cells in table.rows[header_at + 2 :]:
        acronym, name = text(cells[2]), text(cells[3])
        if not name:
            break
        for column, (gas, value_unit, unit) in units.items():
            value = number(cells[column])
            if value is not None:
                label = f"{acronym} ({name})" if acronym != name else name
                basis = group[column]
                key_names = (acronym,) if basis == "total output" else (acronym, basis)
                yield Value(row, column, (label, basis), unit, gas, value, value_unit, key_names)


def waste(table: Table) -> Iterator[Value]:
    """Table 9: metric tons CO₂e per short ton of material, by disposal route ("NA": none)."""
    header_at = next(i for i, (_, cells) in enumerate(table.rows) if text(cells[2]) == "Material")
    header = table.rows[header_at][1]
    routes = {c: clean(header[c]) for c in range(3, len(header)) if text(header[c])}
    for row, cells in table.rows[header_at + 1 :]:
        material = text(cells[2])
        if not material or material.startswith(("Source", "Notes")):
            break
        for column, route in routes.items():
            value = number(cells[column])
            if value is not None:
                yield Value(row, column, (material, route), "short ton", "CO2e", value, "t CO2e")


READERS: dict[int, Callable[[Table], Iterator[Value]]] = {
    1: stationary,
    2: listed,
    3: listed,
    4: listed,
    5: listed,
    6: electricity,
    7: listed,
    8: listed,
    9: waste,
    10: listed,
}


def key_for(table: int, names: tuple[str, ...], unit: str) -> str:
    return f"epa:t{table}:{':'.join(slug(name) for name in names if name)}:{slug(unit)}"[:MAX_KEY_LENGTH]


def edition_of(rows: list[tuple[Any, ...]]) -> tuple[int, str]:
    for row in rows[:8]:
        for cell in row:
            match = re.search(r"Last Modified:\s*(.+)$", text(cell))
            if match:
                try:
                    modified = datetime.strptime(match.group(1).strip(), "%B %d, %Y").date()
                except ValueError:
                    break
                return modified.year, modified.isoformat()
    raise refuse("The workbook does not say when it was last modified, so its edition is unknown.")


def gwps(table: Table | None) -> tuple[Decimal | None, Decimal | None]:
    found: dict[str, Decimal | None] = {}
    for _, cells in table.rows if table else []:
        formula = text(cells[3])
        if formula in ("CH4", "N2O"):
            found.setdefault(formula, number(cells[4]))
    return found.get("CH4"), found.get("N2O")


def parse(workbook: Any) -> ParsedDataset:
    sheet = next(s for s in workbook.worksheets if matches_sheet(s))
    rows = list(sheet.iter_rows(values_only=True))
    edition, modified = edition_of(rows)
    found = tables(rows)
    missing = [n for n in READERS if n not in found]
    if missing:
        raise refuse(f"The workbook lacks table {missing[0]}; it is not a complete Emission Factors Hub.")
    values = [(table, value) for table, reader in READERS.items() for value in reader(found[table])]
    factors = []
    for table, value in values:
        names = value.names
        if table == 1 and names[0] == names[-1]:
            names = names[1:]  # "Natural Gas" under "Natural Gas"
        factors.append(
            ParsedFactor(
                external_id=f"{get_column_letter(value.column + 1)}{value.row}",
                # Table 1's keys name a fuel without its section (epa:t1:natural-gas:mmbtu).
                key=key_for(table, value.key_names or (names[-1:] if table == 1 else names), value.unit),
                scope=SCOPES[table],
                category=clip(f"Table {table}: {found[table].title}"),
                activity=clip(" › ".join(name for name in names if name)),
                unit=value.unit,
                ghg=value.ghg,
                value=value.value,
                value_unit=value.value_unit,
            )
        )
    distinct = {(f.key, f.ghg) for f in factors}
    if len(distinct) != len(factors):
        raise refuse(
            "Two factors of the workbook describe the same activity and gas; its layout has changed."
        )
    ch4, n2o = gwps(found.get(11))
    return ParsedDataset(
        format="epa-hub",
        family="epa-hub",
        publisher=PUBLISHER,
        name=f"US EPA GHG Emission Factors Hub {edition} (last modified {modified})",
        edition=edition,
        version=modified,
        licence=LICENCE,
        attribution=f"U.S. EPA, GHG Emission Factors Hub {edition}",
        source_url=SOURCE_URL,
        gwp_set=gwp_set_for(ch4, n2o, source="Table 11"),
        gases_in_co2e=False,
        factors=factors,
    )


def matches_sheet(sheet: Any) -> bool:
    return any(text(cell) == TITLE for row in sheet.iter_rows(max_row=6, values_only=True) for cell in row)
