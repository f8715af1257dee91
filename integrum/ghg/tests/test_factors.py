"""Importing the official emission-factor workbooks: formats, counts, published values, keys
shared between editions, refusals that change nothing, and the `integrum factors` command.

The workbooks are the ones shipped in `integrum/ghg/datasets/` (see the README there).
"""

from __future__ import annotations

import csv
import io
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from integrum.core.models import ObjectChange
from integrum.ghg import factors
from integrum.ghg.models import EmissionFactor, FactorDataset, Gas, GwpSet
from integrum.ghg.parsers import desnz_full, detect_and_parse

DATA = Path(factors.__file__).resolve().parent / "datasets"
FLAT_2024 = DATA / "desnz-2024-flat-file.xlsx"
FLAT_2025 = DATA / "desnz-2025-flat-file.xlsx"
FULL_2026 = DATA / "desnz-2026-full-set.xlsx"
EPA_2025 = DATA / "epa-ghg-hub-2025.xlsx"

pytestmark = pytest.mark.django_db


def load(path: Path) -> FactorDataset:
    return factors.dataset_import(name=path.name, data=path.read_bytes())


def value_of(dataset: FactorDataset, **lookup: str) -> tuple[Decimal, str, str]:
    factor = EmissionFactor.objects.get(dataset=dataset, **lookup)
    return factor.value, factor.value_unit, factor.unit


def nothing_written() -> bool:
    return not FactorDataset.objects.exists() and not EmissionFactor.objects.exists()


# --- The four workbooks ----------------------------------------------------------------------


def test_it_imports_the_2024_flat_file_with_its_published_values():
    dataset = load(FLAT_2024)
    assert dataset.identifier == "desnz-2024-v1.1"
    assert (dataset.family, dataset.edition, dataset.version, dataset.format) == (
        "desnz",
        2024,
        "1.1",
        "desnz-flat",
    )
    assert dataset.gwp_set == GwpSet.AR5 and dataset.gases_in_co2e is True
    assert dataset.licence == "Open Government Licence v3.0"
    assert dataset.attribution.startswith(
        "Contains public sector information licensed under the Open Government Licence v3.0."
    )
    assert "DESNZ" in dataset.attribution and "DESNZ" in dataset.publisher
    assert dataset.sha256 == "1b063892ad1f00c5bc73029c016e54bc4c3050a71219202b545f8aea2f9f75c4"
    # 7,029 numeric cells, less the 451 that convert activity to kWh (row kinds 5 and 6)
    assert dataset.factor_count == EmissionFactor.objects.filter(dataset=dataset).count() == 6578
    assert not EmissionFactor.objects.filter(dataset=dataset, external_id__regex=r"_[56]$").exists()
    assert value_of(dataset, external_id="1_100_1004_6_1") == (Decimal("0.1829"), "kg CO2e", "kWh (Gross CV)")
    assert value_of(dataset, external_id="7_400_4000_5_1") == (Decimal("0.20705"), "kg CO2e", "kWh")
    assert value_of(dataset, external_id="1_101_1011_8_1") == (Decimal("2.51279"), "kg CO2e", "litres")
    # the gas rows of diesel share the activity's key, and add up to the total
    diesel = {f.ghg: f.value for f in EmissionFactor.objects.filter(dataset=dataset, key="1_101_1011_8")}
    assert diesel == {
        Gas.CO2E: Decimal("2.51279"),
        Gas.CO2: Decimal("2.4796"),
        Gas.CH4: Decimal("0.00029"),
        Gas.N2O: Decimal("0.0329"),
    }
    gas = EmissionFactor.objects.get(dataset=dataset, external_id="1_100_1004_6_1")
    assert (gas.scope, gas.category, gas.activity) == (1, "Fuels", "Gaseous fuels › Natural gas")
    assert EmissionFactor.objects.get(dataset=dataset, external_id="7_400_4000_5_1").scope == 2
    entry = ObjectChange.objects.for_object(dataset).get()
    assert entry.action == ObjectChange.Action.CREATE and "6578 factors" in entry.message


def test_it_imports_the_2025_flat_file_under_the_same_keys():
    dataset = load(FLAT_2025)
    assert dataset.identifier == "desnz-2025-v1"
    assert (dataset.edition, dataset.version, dataset.gwp_set) == (2025, "1", GwpSet.AR5)
    assert dataset.factor_count == 6578
    for key, expected in (
        ("1_100_1004_6", "0.18296"),
        ("7_400_4000_5", "0.177"),
        ("1_101_1011_8", "2.57082"),
    ):
        assert EmissionFactor.objects.get(dataset=dataset, key=key, ghg=Gas.CO2E).value == Decimal(expected)


def test_it_imports_the_2026_full_set_with_the_flat_files_keys():
    dataset = load(FULL_2026)
    assert dataset.identifier == "desnz-2026-v1"
    assert (dataset.format, dataset.edition, dataset.version, dataset.gwp_set) == (
        "desnz-full",
        2026,
        "1",
        "AR5",
    )
    assert dataset.factor_count == EmissionFactor.objects.filter(dataset=dataset).count() == 6600
    expectations = [
        ("1_100_1004_6", "Fuels!D42", "0.18231", "kWh (Gross CV)", 1),
        ("1_101_1011_8", "Fuels!D72", "2.58354", "litres", 1),
        ("7_400_4000_5", "UK electricity!E25", "0.13096", "kWh", 2),
    ]
    for key, cell, expected, unit, scope in expectations:
        factor = EmissionFactor.objects.get(dataset=dataset, key=key, ghg=Gas.CO2E)
        assert (factor.external_id, factor.value, factor.unit, factor.scope) == (
            cell,
            Decimal(expected),
            unit,
            scope,
        )
    gases = dict(
        EmissionFactor.objects.filter(dataset=dataset, key="7_400_4000_5").values_list("ghg", "value")
    )
    assert gases == {
        "CO2e": Decimal("0.13096"),
        "CO2": Decimal("0.12943"),
        "CH4": Decimal("0.00067"),
        "N2O": Decimal("0.00086"),
    }
    # every sheet the brief names is read, and each of its activities found its flat-file key
    sheets = set(EmissionFactor.objects.filter(dataset=dataset).values_list("category", flat=True))
    assert {
        "Fuels",
        "Bioenergy",
        "Refrigerant & other",
        "UK electricity",
        "Heat and steam",
        "WTT- fuels",
        "WTT- UK electricity",
        "Transmission and distribution",
        "WTT- heat and steam",
        "Water supply",
        "Water treatment",
        "Material use",
        "Waste disposal",
        "Business travel- air",
        "Business travel- land",
        "Freighting goods",
        "Hotel stay",
    } <= sheets
    assert not EmissionFactor.objects.filter(dataset=dataset, key__startswith="full:").exists()
    # blank name cells mean "same as above": CNG's litres row (Fuels!D28) belongs to CNG
    assert (
        EmissionFactor.objects.get(dataset=dataset, external_id="Fuels!D28").activity == "Gaseous fuels › CNG"
    )
    # a renamed activity keeps its key: 2025 "HGV (all diesel) › All rigids" is 2026's
    # "HGV (non-refrigerated, all diesel) › Average non-refrigerated rigids"
    rigid = EmissionFactor.objects.filter(
        dataset=dataset, category="Freighting goods", activity__contains="Average non-refrigerated rigids"
    ).first()
    assert rigid is not None and not rigid.key.startswith("full:")


def test_it_imports_the_epa_hub_per_gas_in_published_units():
    dataset = load(EPA_2025)
    assert dataset.identifier == "epa-hub-2025"
    assert (dataset.family, dataset.edition, dataset.version, dataset.format) == (
        "epa-hub",
        2025,
        "2025-01-15",
        "epa-hub",
    )
    assert dataset.gwp_set == GwpSet.AR5  # read from its Table 11: CH4 28, N2O 265
    assert dataset.gases_in_co2e is False
    assert dataset.licence == "Public domain (U.S. government work)"
    assert dataset.attribution == "U.S. EPA, GHG Emission Factors Hub 2025"
    natural_gas = dict(
        EmissionFactor.objects.filter(dataset=dataset, key="epa:t1:natural-gas:mmbtu").values_list(
            "ghg", "value"
        )
    )
    assert natural_gas == {"CO2": Decimal("53.06"), "CH4": Decimal("1"), "N2O": Decimal("0.1")}
    assert value_of(dataset, key="epa:t1:natural-gas:mmbtu", ghg="CO2") == (Decimal("53.06"), "kg", "mmBtu")
    assert value_of(dataset, key="epa:t1:natural-gas:mmbtu", ghg="CH4") == (Decimal("1"), "g", "mmBtu")
    assert value_of(dataset, key="epa:t1:natural-gas:scf", ghg="CO2") == (Decimal("0.05444"), "kg", "scf")
    assert value_of(dataset, key="epa:t2:diesel-fuel:gallon", ghg="CO2") == (Decimal("10.21"), "kg", "gallon")
    assert value_of(dataset, key="epa:t2:motor-gasoline:gallon", ghg="CO2") == (
        Decimal("8.78"),
        "kg",
        "gallon",
    )
    # electricity stays in the published lb per MWh; the US average is a subregion like the others
    assert value_of(dataset, key="epa:t6:us-average:mwh", ghg="CO2") == (Decimal("771.523"), "lb", "MWh")
    assert value_of(dataset, key="epa:t7:steam-and-heat:mmbtu", ghg="CO2") == (
        Decimal("66.33"),
        "kg",
        "mmBtu",
    )
    assert value_of(dataset, key="epa:t8:rail:short-ton-mile", ghg="CO2") == (
        Decimal("0.021"),
        "kg",
        "short ton-mile",
    )
    assert value_of(dataset, key="epa:t9:mixed-msw:landfilled:short-ton", ghg="CO2e") == (
        Decimal("0.58"),
        "t CO2e",
        "short ton",
    )
    assert value_of(dataset, key="epa:t10:bus:passenger-mile", ghg="CH4") == (
        Decimal("0.0046"),
        "g",
        "passenger-mile",
    )
    assert not EmissionFactor.objects.filter(
        dataset=dataset, key__startswith="epa:t9:", value__isnull=True
    ).exists()
    scopes = dict(
        EmissionFactor.objects.filter(dataset=dataset, key__regex=r"^epa:t(1|6|8):").values_list(
            "key", "scope"
        )
    )
    assert {key.split(":")[1]: scope for key, scope in scopes.items()} == {"t1": 1, "t6": 2, "t8": 3}
    assert EmissionFactor.objects.get(dataset=dataset, external_id="E38").key == "epa:t1:natural-gas:mmbtu"


def test_the_shipped_key_table_is_what_matching_the_workbooks_gives():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        flat = load_workbook(io.BytesIO(FLAT_2025.read_bytes()), read_only=True, data_only=True)
        full = load_workbook(io.BytesIO(FULL_2026.read_bytes()), read_only=True, data_only=True)
    assert desnz_full.build_key_map(flat, full) == desnz_full.KEY_MAP.read_text(encoding="utf-8")


# --- Refusals --------------------------------------------------------------------------------


def test_it_refuses_the_same_file_or_the_same_edition_twice():
    first = load(EPA_2025)
    with pytest.raises(ValidationError, match="already imported as epa-hub-2025"):
        load(EPA_2025)
    # the same edition in a file that differs by a byte (a re-save) is refused for its edition
    resaved = EPA_2025.read_bytes() + b"\0"
    with pytest.raises(ValidationError, match="already imported"):
        factors.dataset_import(name="copy.xlsx", data=resaved)
    assert list(FactorDataset.objects.all()) == [first]
    assert EmissionFactor.objects.count() == first.factor_count


def non_factor_workbook() -> bytes:
    book = Workbook()
    book.active.title = "Budget"
    book.active.append(["Item", "Cost"])
    book.active.append(["Paper", 12.5])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def flat_header_only() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Factors by Category"
    sheet.append(
        [
            "ID",
            "Scope",
            "Level 1",
            "Level 2",
            "Level 3",
            "Level 4",
            "Column Text",
            "UOM",
            "GHG/Unit",
            "GHG Conversion Factor 2030",
        ]
    )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("budget.xlsx", non_factor_workbook, "not an emission-factor workbook we know"),
        ("factors.csv", lambda: b"ID,Scope,Value\n1_1_1_1_1,Scope 1,0.2\n", "not an Excel workbook"),
        ("broken.xlsx", lambda: EPA_2025.read_bytes()[:20000], "damaged"),
        ("empty.xlsx", lambda: b"", "empty"),
        ("flat-without-rows.xlsx", flat_header_only, "holds no factors"),
    ],
)
def test_it_refuses_files_that_are_not_factor_workbooks_and_writes_nothing(name, make, message):
    with pytest.raises(ValidationError, match=message):
        factors.dataset_import(name=name, data=make())
    assert nothing_written()
    assert not ObjectChange.objects.exists()


def test_it_recognises_the_format_by_content_not_by_name():
    parsed = detect_and_parse("ghg-conversion-factors-2026-flat-format.xlsx", EPA_2025.read_bytes())
    assert parsed.format == "epa-hub"


# --- The command -----------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("factors", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_imports_lists_and_exports(tmp_path):
    printed = run("import", str(EPA_2025))
    assert printed.startswith("epa-hub-2025:") and "1162 factors" in printed
    dataset = FactorDataset.objects.get()
    assert ObjectChange.objects.for_object(dataset).get().actor_label == "integrum factors import"

    lines = run("list").splitlines()
    assert len(lines) == 1
    fields = lines[0].split("\t")
    assert fields[0] == "epa-hub-2025"
    assert fields[1:] == [
        dataset.publisher,
        "2025",
        "2025-01-15",
        "AR5",
        "1162 factors",
        "Public domain (U.S. government work)",
    ]

    rows = list(csv.DictReader(io.StringIO(run("export", "--dataset", "epa-hub-2025", "--format", "csv"))))
    assert len(rows) == 1162
    assert {"id", "scope", "category", "unit", "ghg", "value", "key", "activity", "value_unit"} <= set(
        rows[0]
    )
    natural_gas = next(row for row in rows if row["id"] == "E38")
    assert natural_gas == {
        "id": "E38",
        "key": "epa:t1:natural-gas:mmbtu",
        "scope": "1",
        "category": "Table 1: Stationary Combustion",
        "activity": "Natural Gas",
        "unit": "mmBtu",
        "ghg": "CO2",
        "value": "53.06",
        "value_unit": "kg",
    }

    target = tmp_path / "epa.csv"
    run("export", "--dataset", "epa-hub-2025", "--format", "csv", "--output", str(target))
    assert target.read_text(encoding="utf-8").splitlines()[0] == ",".join(factors.EXPORT_COLUMNS)


def test_the_command_refuses_bad_files_and_unknown_datasets(tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(non_factor_workbook())
    with pytest.raises(
        CommandError, match=r"not an emission-factor workbook.*Nothing was imported"
    ) as refused:
        run("import", str(bad))
    assert refused.value.returncode == 1  # the exit status `integrum factors import` ends with
    with pytest.raises(CommandError, match="cannot be read"):
        run("import", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="No dataset is called desnz-1999-v1"):
        run("export", "--dataset", "desnz-1999-v1", "--format", "csv")
    assert nothing_written()
