"""Northwind's environmental data, GHG inventories, KPIs and objectives for `integrum demo`.

Figures are made up but plausible for a 140-person aluminium foundry and warehouse: monthly
invoices since January 2024 with a winter peak for gas and a slow fall in electricity after a
compressed-air project, register reads for water, waste collections by stream and route. Every
value is computed, not random, so the demo is the same each time.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from integrum.core.changelog import acting_as
from integrum.core.dates import add_months
from integrum.core.models import Organisation, Site
from integrum.ghg import services as ghg_services
from integrum.ghg.models import ContractualInstrument, EmissionSource, FactorDataset, Inventory
from integrum.measurement import readings
from integrum.measurement.models import Meter, ReadingBatch, SiteFigure

DATASET_DIR = Path(__file__).resolve().parent.parent / "ghg" / "datasets"
DATASET_FILES = ("desnz-2024-flat-file.xlsx", "desnz-2025-flat-file.xlsx", "desnz-2026-full-set.xlsx")
FIRST_YEAR = 2024


# (site, code, name, kind, unit, reading kind, extra fields, monthly base, seasonal swing, yearly trend)
METERS: list[tuple[str, str, str, str, str, str, dict[str, Any], float, float, float]] = [
    (
        "SHF",
        "SHF-ELEC",
        "Sheffield main incomer",
        "electricity",
        "kWh",
        "consumption",
        {"supplier": "Yorkshire Power plc"},
        182_000,
        0.06,
        -0.045,
    ),
    (
        "SHF",
        "SHF-GAS",
        "Sheffield gas (furnaces and heating)",
        "gas",
        "kWh",
        "consumption",
        {"supplier": "Pennine Gas Ltd"},
        265_000,
        0.22,
        -0.02,
    ),
    (
        "SHF",
        "SHF-DSL",
        "Forklift and yard diesel",
        "fuel",
        "litres",
        "consumption",
        {"fuel": "Diesel (average biofuel blend)"},
        1_450,
        0.0,
        -0.08,
    ),
    ("SHF", "SHF-WTR", "Sheffield water meter", "water", "m³", "register", {}, 610, 0.08, -0.03),
    (
        "SHF",
        "SHF-SWARF",
        "Aluminium swarf and scrap",
        "waste",
        "tonnes",
        "consumption",
        {"waste_stream": "Aluminium swarf and scrap", "disposal_route": "recycling"},
        18.5,
        0.0,
        0.0,
    ),
    (
        "SHF",
        "SHF-GEN",
        "General waste skip",
        "waste",
        "tonnes",
        "consumption",
        {"waste_stream": "Mixed general waste", "disposal_route": "landfill"},
        6.2,
        0.0,
        -0.12,
    ),
    (
        "SHF",
        "SHF-COOL",
        "Spent coolant and oily water",
        "waste",
        "tonnes",
        "consumption",
        {"waste_stream": "Spent cutting fluid", "disposal_route": "hazardous"},
        1.8,
        0.0,
        -0.05,
    ),
    (
        "ROT",
        "ROT-ELEC",
        "Rotherham warehouse supply",
        "electricity",
        "kWh",
        "consumption",
        {"supplier": "Greenline Energy"},
        21_500,
        0.18,
        -0.03,
    ),
    ("ROT", "ROT-WTR", "Rotherham water meter", "water", "m³", "register", {}, 48, 0.05, 0.0),
]

# (meter code, factor key in the DESNZ family, scope, scope-3 category, scope-2 basis, label)
SOURCES: list[tuple[str, str, int, int | None, str, str]] = [
    ("SHF-ELEC", "7_400_4000_5", 2, None, "electricity", "Sheffield grid electricity"),
    ("SHF-ELEC", "13_402_4000_5", 3, 3, "", "Sheffield electricity T&D losses"),
    ("ROT-ELEC", "7_400_4000_5", 2, None, "electricity", "Rotherham grid electricity"),
    ("ROT-ELEC", "13_402_4000_5", 3, 3, "", "Rotherham electricity T&D losses"),
    ("SHF-GAS", "1_100_1004_6", 1, None, "", "Furnace and heating gas"),
    ("SHF-DSL", "1_101_1011_8", 1, None, "", "Forklift diesel"),
    ("SHF-WTR", "17_404_4005_1", 3, 1, "", "Sheffield water supply"),
    ("ROT-WTR", "17_404_4005_1", 3, 1, "", "Rotherham water supply"),
    ("SHF-SWARF", "20_504_5366_15", 3, 5, "", "Swarf to closed-loop recycling"),
    ("SHF-GEN", "20_507_5313_15", 3, 5, "", "General waste to landfill"),
    ("SHF-COOL", "20_500_5234_15", 3, 5, "", "Spent coolant to energy recovery"),
]


def _months(today: dt.date) -> list[dt.date]:
    """First days of every complete month from January 2024 to last month."""
    months, cursor = [], dt.date(FIRST_YEAR, 1, 1)
    last = today.replace(day=1)
    while cursor < last:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months


def _next(month: dt.date) -> dt.date:
    return add_months(month, 1)


def _amount(base: float, swing: float, trend: float, month: dt.date, salt: int) -> Decimal:
    """Seasonal (peak in January), trending, with a small fixed wobble per meter and month."""
    years = (month.year - FIRST_YEAR) + (month.month - 1) / 12
    season = 1 + swing * math.cos(2 * math.pi * (month.month - 1) / 12)
    wobble = 1 + 0.03 * math.sin(salt * 7.1 + month.month * 1.7 + month.year)
    value = base * season * (1 + trend) ** years * wobble
    return Decimal(str(round(value, 3 if value < 100 else 0)))


def seed_environmental_data(organisation: Organisation, today: dt.date) -> dict[str, Meter]:
    sites = {site.code: site for site in Site.objects.filter(organisation=organisation)}
    meters = {}
    for site, code, name, kind, unit, reading_kind, extra, *_ in METERS:
        meters[code] = Meter.objects.create(
            organisation=organisation,
            site=sites[site],
            code=code,
            name=name,
            kind=kind,
            unit=unit,
            reading_kind=reading_kind,
            **extra,
        )
    rows: list[readings.Row] = []
    months = _months(today)
    for salt, (_, code, _, _, _, reading_kind, _, base, swing, trend) in enumerate(METERS):
        if reading_kind == Meter.ReadingKind.REGISTER:
            register = Decimal(48_210 if code == "SHF-WTR" else 3_905)
            rows.append(
                readings.Row(
                    number=len(rows) + 2, meter=code, value=str(register), timestamp=months[0].isoformat()
                )
            )
            for month in months:
                register += _amount(base, swing, trend, month, salt)
                rows.append(
                    readings.Row(
                        number=len(rows) + 2,
                        meter=code,
                        value=str(register),
                        timestamp=_next(month).isoformat(),
                    )
                )
            continue
        for month in months:
            quality = "estimated" if (code == "SHF-DSL" and month.month == 12) else "invoiced"
            rows.append(
                readings.Row(
                    number=len(rows) + 2,
                    meter=code,
                    value=str(_amount(base, swing, trend, month, salt)),
                    start=month.isoformat(),
                    end=_next(month).isoformat(),
                    quality=quality,
                )
            )
    result = readings.check(organisation, rows, meters=meters.values())
    if not result.ok:
        raise ValueError(f"Demo readings do not check: {result.errors[:3]}")
    batch = ReadingBatch.objects.create(
        organisation=organisation,
        source=ReadingBatch.Source.IMPORT,
        file_name="northwind-invoices-2024-2026.csv",
        total_rows=result.total,
    )
    readings.commit(batch, result)

    for month in months:
        output = _amount(410, 0.05, 0.04, month, 3)  # tonnes of castings shipped
        figures = [
            (sites["SHF"], SiteFigure.Kind.OUTPUT, output, "tonnes of castings"),
            (sites["SHF"], SiteFigure.Kind.EMPLOYEES, Decimal(118 + (month.year - FIRST_YEAR) * 3), ""),
            (sites["ROT"], SiteFigure.Kind.EMPLOYEES, Decimal(22), ""),
            (sites["SHF"], SiteFigure.Kind.FLOOR_AREA, Decimal(9_400), "m²"),
            (sites["ROT"], SiteFigure.Kind.FLOOR_AREA, Decimal(5_200), "m²"),
        ]
        for site, kind, value, unit in figures:
            SiteFigure.objects.create(
                organisation=organisation, site=site, kind=kind, month=month, value=value, unit=unit
            )
    return meters


def import_datasets() -> dict[int, FactorDataset]:
    """The shipped DESNZ editions (each once per installation), by edition year."""
    from integrum.ghg.factors import dataset_import

    datasets = {dataset.edition: dataset for dataset in FactorDataset.objects.filter(family="desnz")}
    for name in DATASET_FILES:
        edition = int(name.split("-")[1])
        if edition not in datasets:
            datasets[edition] = dataset_import(name=name, data=(DATASET_DIR / name).read_bytes())
    return datasets


def seed_inventories(
    organisation: Organisation, meters: dict[str, Meter], users: dict[str, Any], today: dt.date
) -> None:
    datasets = import_datasets()
    for code, key, scope, category, basis, label in SOURCES:
        EmissionSource.objects.create(
            organisation=organisation,
            meter=meters[code],
            family="desnz",
            factor_key=key,
            scope=scope,
            scope3_category=category,
            scope2_basis=basis,
            label=label,
        )
    rotherham = meters["ROT-ELEC"].site
    ContractualInstrument.objects.create(
        organisation=organisation,
        kind=ContractualInstrument.Kind.CERTIFICATE,
        site=rotherham,
        supplier="Greenline Energy",
        reference="REGO bundle GL-2025-0417",
        start=dt.date(2025, 1, 1),
        end=dt.date(2026, 12, 31),
        emission_rate=Decimal(0),
        covered_kwh=Decimal(520_000),
    )
    # The Sheffield supplier's published fuel mix, one disclosure a year.
    for year, rate in ((2024, "0.212"), (2025, "0.186"), (2026, "0.139")):
        ContractualInstrument.objects.create(
            organisation=organisation,
            kind=ContractualInstrument.Kind.SUPPLIER_RATE,
            site=meters["SHF-ELEC"].site,
            supplier="Yorkshire Power plc",
            reference=f"Fuel mix disclosure {year}",
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
            emission_rate=Decimal(rate),
        )
    helen = users["helen"]
    for year in range(FIRST_YEAR, today.year + 1):
        dataset = datasets.get(year) or datasets[max(datasets)]
        inventory = ghg_services.inventory_create(
            organisation=organisation,
            year=year,
            dataset=dataset,
            residual_mix_factor=Decimal("0.35"),
            notes="Operational control boundary: both sites. Refrigerant top-ups are below the reporting threshold.",
        )
        if year < today.year:
            ghg_services.inventory_close(inventory, user=helen)


def _monthly(start: dt.date, today: dt.date) -> list[dt.date]:
    return [month for month in _months(today) if month >= start]


def _present(*records: Any) -> list[Any]:
    return [record for record in records if record is not None]


def seed_kpis_and_objectives(organisation: Organisation, users: dict[str, Any], today: dt.date) -> None:
    from integrum.environment.models import Aspect
    from integrum.performance import services
    from integrum.performance.models import Kpi
    from integrum.risks.models import Risk
    from integrum.standards.models import Standard

    iso9001 = Standard.objects.get(code="ISO 9001", edition="2015")
    iso14001 = Standard.objects.get(code="ISO 14001", edition="2015")
    sheffield = Site.objects.get(organisation=organisation, code="SHF")
    helen, priya, david, tom = users["helen"], users["priya"], users["david"], users["tom"]

    intensity = services.kpi_create(
        organisation=organisation,
        name="Electricity per tonne of castings",
        unit="kWh",
        direction=Kpi.Direction.LOWER,
        standards=[iso14001],
        sites=[sheffield],
        source=Kpi.Source.METERS,
        meter_kind=Meter.Kind.ELECTRICITY,
        normalisation=Kpi.Normalisation.OUTPUT,
        target=Decimal(380),
        warning_threshold=Decimal(430),
        baseline_year=2024,
        baseline_value=Decimal(444),
        owner=priya,
        description="Sheffield plant electricity over the tonnes of castings shipped that month.",
    )
    emissions = services.kpi_create(
        organisation=organisation,
        name="Scope 1 and 2 emissions",
        unit="t CO2e",
        direction=Kpi.Direction.LOWER,
        standards=[iso14001],
        source=Kpi.Source.EMISSIONS,
        emissions_basis=Kpi.EmissionsBasis.SCOPE_1_2,
        target=Decimal(80),
        warning_threshold=Decimal(92),
        baseline_year=2024,
        baseline_value=Decimal(94),
        owner=helen,
        description="Monthly scope 1 and location-based scope 2 from the GHG inventory.",
    )
    recycling = services.kpi_create(
        organisation=organisation,
        name="Waste recycled or reused",
        unit="%",
        direction=Kpi.Direction.HIGHER,
        standards=[iso14001],
        target=Decimal(85),
        warning_threshold=Decimal(75),
        baseline_year=2024,
        baseline_value=Decimal(71),
        owner=priya,
        description="Share of waste by weight sent to reuse or recycling, from the waste contractor's returns.",
    )
    on_time = services.kpi_create(
        organisation=organisation,
        name="On-time delivery",
        unit="%",
        direction=Kpi.Direction.HIGHER,
        standards=[iso9001],
        target=Decimal(98),
        warning_threshold=Decimal(95),
        baseline_year=2024,
        baseline_value=Decimal("94.5"),
        owner=david,
        description="Order lines delivered on or before the date the customer confirmed.",
    )
    services.kpi_create(
        organisation=organisation,
        name="Water per employee",
        unit="m³",
        direction=Kpi.Direction.LOWER,
        standards=[iso14001],
        source=Kpi.Source.METERS,
        meter_kind=Meter.Kind.WATER,
        normalisation=Kpi.Normalisation.EMPLOYEES,
        target=Decimal("4.5"),
        warning_threshold=Decimal("5.5"),
        owner=priya,
    )
    for index, month in enumerate(_monthly(dt.date(2025, 1, 1), today)):
        services.kpi_value_record(
            kpi=recycling,
            period=month,
            value=Decimal(72) + Decimal(index) * Decimal("0.55"),
            user=priya,
            quality="invoiced" if month.month % 3 else "estimated",
        )
        services.kpi_value_record(
            kpi=on_time,
            period=month,
            value=Decimal("95.1") + Decimal(index % 5) * Decimal("0.4"),
            user=david,
        )

    energy_aspect = Aspect.objects.filter(
        organisation=organisation, activity__startswith="Melting and holding"
    ).first()
    energy_risk = Risk.objects.filter(
        organisation=organisation, title__startswith="Energy price rise"
    ).first()
    carbon_risk = Risk.objects.filter(
        organisation=organisation, title__startswith="Customers move platforms"
    ).first()
    porosity = Risk.objects.filter(organisation=organisation, title__startswith="Porous castings").first()

    carbon = services.objective_create(
        organisation=organisation,
        title="Cut scope 1 and 2 emissions by 15 % against 2024",
        statement=(
            "Customers will score suppliers on carbon from 2027. Bring monthly scope 1 and 2 emissions from "
            "94 t to 80 t CO₂e by the end of 2026 through furnace and compressed-air efficiency."
        ),
        start_date=dt.date(2025, 1, 1),
        due_date=dt.date(2026, 12, 31),
        standards=[iso14001],
        kpi=emissions,
        baseline_value=Decimal(94),
        target_value=Decimal(80),
        owner=helen,
        resources="£48k capital for furnace lids and a compressed-air leak programme; 2 days a month of Priya's time.",
        evaluation="Monthly KPI review at the operations meeting; annual GHG inventory.",
        aspects=_present(energy_aspect),
        risks=_present(energy_risk, carbon_risk),
    )
    services.objective_create(
        organisation=organisation,
        title="Electricity below 380 kWh per tonne at Sheffield",
        statement="Lower the plant's electricity intensity by 15 % through compressor and furnace-holding changes.",
        start_date=dt.date(2025, 1, 1),
        due_date=dt.date(2026, 12, 31),
        standards=[iso14001],
        kpi=intensity,
        baseline_value=Decimal(444),
        target_value=Decimal(380),
        owner=priya,
        aspects=_present(energy_aspect),
    )
    services.objective_create(
        organisation=organisation,
        title="Recycle or reuse 85 % of our waste",
        statement="Segregate swarf, cardboard and pallets at source so that less goes to the general waste skip.",
        start_date=dt.date(2025, 1, 1),
        due_date=dt.date(2026, 12, 31),
        standards=[iso14001],
        kpi=recycling,
        baseline_value=Decimal(71),
        target_value=Decimal(85),
        owner=priya,
    )
    delivery = services.objective_create(
        organisation=organisation,
        title="98 % of order lines on time",
        statement="Customers' supplier ratings weigh delivery most; reach 98 % on time by mid-2027.",
        start_date=dt.date(2025, 7, 1),
        due_date=dt.date(2027, 6, 30),
        standards=[iso9001],
        kpi=on_time,
        baseline_value=Decimal("94.5"),
        target_value=Decimal(98),
        owner=david,
        risks=_present(porosity),
    )
    services.objective_action_create(
        objective=carbon,
        created_by=helen,
        owner=tom,
        title="Fit insulated lids to holding furnaces 2 and 3",
        due_date=today + dt.timedelta(days=40),
    )
    services.objective_action_create(
        objective=carbon,
        created_by=helen,
        owner=priya,
        title="Quarterly compressed-air leak survey and repair",
        due_date=today + dt.timedelta(days=12),
    )
    services.objective_action_create(
        objective=delivery,
        created_by=david,
        owner=david,
        title="Weekly capacity check of the machining cells",
        due_date=today + dt.timedelta(days=20),
    )


@transaction.atomic
def seed_performance(organisation: Organisation, users: dict[str, Any], today: dt.date) -> None:
    with acting_as(users["helen"]):
        meters = seed_environmental_data(organisation, today)
        seed_inventories(organisation, meters, users, today)
        seed_kpis_and_objectives(organisation, users, today)


def add_performance_to(organisation: Organisation, users: dict[str, Any], today: dt.date) -> bool:
    """Give an earlier demo its environmental data, unless it has some already."""
    if (
        Meter.objects.filter(organisation=organisation).exists()
        or Inventory.objects.filter(organisation=organisation).exists()
    ):
        return False
    seed_performance(organisation, users, today)
    return True
