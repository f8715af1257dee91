"""Inventory lifecycle: create, recalculate while open, close, and restate explicitly once closed;
emission sources and contractual instruments, whose every change open inventories follow; and the
aggregated reads of an inventory's results that its page, export and API share."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from integrum.core.changelog import change_note
from integrum.core.models import ObjectChange
from integrum.core.permissions import membership_in
from integrum.ghg import calculation
from integrum.ghg.models import (
    ContractualInstrument,
    EmissionFactor,
    EmissionSource,
    FactorDataset,
    Gas,
    GwpSet,
    Inventory,
    InventoryResult,
    Restatement,
    Scope,
    Scope3Category,
)
from integrum.measurement import units
from integrum.measurement.models import Meter

FIRST_YEAR, LAST_YEAR = 1990, 2100


def _check_choice(dataset: FactorDataset, gwp_set: str) -> None:
    if gwp_set not in GwpSet.values:
        raise ValidationError({"gwp_set": f"“{gwp_set}” is not a GWP set we know."})
    if not isinstance(dataset, FactorDataset):
        raise ValidationError({"dataset": "Choose a factor dataset."})


def inventory_create(
    *,
    organisation: Any,
    year: int,
    dataset: FactorDataset,
    gwp_set: str = "",
    residual_mix_factor: Decimal | None = None,
    notes: str = "",
) -> Inventory:
    gwp_set = gwp_set or dataset.gwp_set
    _check_choice(dataset, gwp_set)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": f"The year must be between {FIRST_YEAR} and {LAST_YEAR}."})
    if residual_mix_factor is not None and residual_mix_factor < 0:
        raise ValidationError({"residual_mix_factor": "A factor cannot be negative."})
    if Inventory.objects.filter(organisation=organisation, year=year).exists():
        raise ValidationError({"year": f"There is already an inventory for {year}."})
    with (
        transaction.atomic(),
        change_note(ObjectChange.Action.CREATE, f"Inventory {year} with {dataset.identifier}, {gwp_set}."),
    ):
        inventory = Inventory.objects.create(
            organisation=organisation,
            year=year,
            dataset=dataset,
            gwp_set=gwp_set,
            residual_mix_factor=residual_mix_factor,
            notes=notes,
        )
        _recalculate(inventory)
    return inventory


def inventory_update(inventory: Inventory, **fields: Any) -> Inventory:
    """Change an open inventory's dataset, GWP set, residual mix or notes; results follow."""
    if inventory.status == Inventory.Status.CLOSED:
        raise ValidationError("The inventory is closed: restate it to apply another dataset or GWP set.")
    allowed = {"dataset", "gwp_set", "residual_mix_factor", "notes", "version"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(inventory, name, value)
    _check_choice(inventory.dataset, inventory.gwp_set)
    if inventory.residual_mix_factor is not None and inventory.residual_mix_factor < 0:
        raise ValidationError({"residual_mix_factor": "A factor cannot be negative."})
    with (
        transaction.atomic(),
        change_note(ObjectChange.Action.UPDATE, "Inventory settings changed; results recalculated."),
    ):
        inventory.save()
        _recalculate(inventory)
    return inventory


def inventory_recalculate(inventory: Inventory) -> Inventory:
    if inventory.status == Inventory.Status.CLOSED:
        raise ValidationError("The inventory is closed; its results stay as they were when it was closed.")
    with transaction.atomic():
        _recalculate(inventory)
    return inventory


def _recalculate(inventory: Inventory) -> calculation.Outcome:
    outcome = calculation.calculate(inventory)
    InventoryResult.objects.filter(inventory=inventory).delete()
    InventoryResult.objects.bulk_create(outcome.results, batch_size=2000)
    # Not a change of the record's meaning: bypass the change log and the version counter.
    Inventory.objects.filter(pk=inventory.pk).update(calculated_at=timezone.now(), problems=outcome.problems)
    inventory.problems = outcome.problems
    return outcome


def inventory_totals(inventory: Inventory) -> dict[str, Decimal]:
    rows = (
        InventoryResult.objects.filter(inventory=inventory)
        .values_list("scope", "method")
        .annotate(co2e=Sum("co2e_kg"))
        .order_by()
    )
    return calculation.totals(rows)


def inventory_close(inventory: Inventory, *, user: Any) -> Inventory:
    if inventory.status == Inventory.Status.CLOSED:
        raise ValidationError("The inventory is already closed.")
    with (
        transaction.atomic(),
        change_note(
            ObjectChange.Action.TRANSITION, f"Inventory {inventory.year} closed; its figures are final."
        ),
    ):
        _recalculate(inventory)
        inventory.status = Inventory.Status.CLOSED
        inventory.closed_at = timezone.now()
        inventory.closed_by = user
        inventory.changed_since_close = False
        inventory.save()
    return inventory


def inventory_restate(
    inventory: Inventory, *, dataset: FactorDataset, gwp_set: str = "", reason: str, user: Any
) -> Restatement:
    """Recalculate a closed inventory, keeping the totals before and after and why."""
    gwp_set = gwp_set or inventory.gwp_set
    _check_choice(dataset, gwp_set)
    if inventory.status != Inventory.Status.CLOSED:
        raise ValidationError("Only a closed inventory is restated; an open one is simply recalculated.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the inventory is restated."})
    before = inventory_totals(inventory)
    previous_dataset, previous_gwp = inventory.dataset, inventory.gwp_set
    with transaction.atomic():
        message = f"Restated from {previous_dataset.identifier} ({previous_gwp}) to {dataset.identifier} ({gwp_set}): {reason}"
        with change_note(ObjectChange.Action.TRANSITION, message):
            inventory.dataset, inventory.gwp_set = dataset, gwp_set
            inventory.changed_since_close = False
            inventory.save()
        _recalculate(inventory)
        after = inventory_totals(inventory)
        with change_note(ObjectChange.Action.TRANSITION, message):
            restatement = Restatement.objects.create(
                organisation_id=inventory.organisation_id,
                inventory=inventory,
                previous_dataset=previous_dataset,
                new_dataset=dataset,
                previous_gwp_set=previous_gwp,
                new_gwp_set=gwp_set,
                reason=reason.strip(),
                totals_before={key: str(value) for key, value in before.items()},
                totals_after={key: str(value) for key, value in after.items()},
                restated_by=user,
            )
    return restatement


def refresh_after_readings(*, organisation_id: int, months: list[Any], **_: Any) -> None:
    """Receiver of `readings_committed`: open inventories follow the data; closed ones are only
    marked, because a closed year changes by restatement alone."""
    years = {month.year for month in months}
    for inventory in Inventory.objects.filter(organisation_id=organisation_id, year__in=years):
        if inventory.status == Inventory.Status.OPEN:
            with transaction.atomic():
                _recalculate(inventory)
        elif not inventory.changed_since_close:
            Inventory.objects.filter(pk=inventory.pk).update(changed_since_close=True)


def refresh_open_inventories(organisation_id: int) -> None:
    """After a source or instrument changes, every open inventory of the organisation follows."""
    for inventory in Inventory.objects.filter(organisation_id=organisation_id, status=Inventory.Status.OPEN):
        _recalculate(inventory)


# --- Emission sources --------------------------------------------------------------------------

SOURCE_FIELDS = frozenset(
    {"meter", "family", "factor_key", "scope", "scope3_category", "scope2_basis", "label"}
)


def latest_dataset(family: str) -> FactorDataset | None:
    """The newest imported edition of a family: the one the factor picker searches."""
    return FactorDataset.objects.filter(family=family).order_by("-edition", "-version", "-pk").first()


def _limited_sites(user: Any, organisation_id: int) -> list[int]:
    """The sites a member is limited to; empty for a member of the whole organisation (or no user)."""
    if user is None:
        return []
    membership = membership_in(user, organisation_id)
    return membership.site_ids if membership is not None else []


def _check_meter(organisation: Any, meter: Any, user: Any) -> None:
    if not isinstance(meter, Meter):
        raise ValidationError({"meter": "Choose a meter."})
    if meter.organisation_id != organisation.pk:
        raise ValidationError({"meter": "Choose a meter of the organisation."})
    limited = _limited_sites(user, organisation.pk)
    if limited and meter.site_id not in limited:
        raise ValidationError({"meter": "You can only map meters of the sites you work at."})


def _check_source(source: EmissionSource, user: Any) -> None:
    """Everything a source needs to be calculable, with every problem named at its field."""
    _check_meter(source.organisation, source.meter, user)
    errors: dict[str, str] = {}
    if source.scope not in Scope.values:
        errors["scope"] = "Choose scope 1, 2 or 3 (or outside of scopes)."
    if source.scope == Scope.SCOPE_3:
        if source.scope3_category is None:
            errors["scope3_category"] = "Choose the scope 3 category the source counts towards."
        elif source.scope3_category not in Scope3Category.values:
            errors["scope3_category"] = "Choose one of the 15 scope 3 categories."
    elif source.scope3_category is not None:
        errors["scope3_category"] = "Only scope 3 sources have a scope 3 category: leave it empty."
    if source.scope2_basis not in EmissionSource.Scope2Basis.values:
        errors["scope2_basis"] = "Choose purchased electricity or purchased heat, steam or cooling."
    elif source.scope == Scope.SCOPE_2 and not source.scope2_basis:
        errors["scope2_basis"] = (
            "Say whether the scope 2 source is purchased electricity or purchased heat, steam or cooling."
        )
    elif source.scope != Scope.SCOPE_2 and source.scope2_basis:
        errors["scope2_basis"] = "Only scope 2 sources have a scope 2 basis: leave it empty."
    factor = (
        EmissionFactor.objects.filter(dataset__family=source.family, key=source.factor_key)
        .order_by("-dataset__edition", "-dataset__version", "-dataset__pk")
        .first()
    )
    if not source.family or not FactorDataset.objects.filter(family=source.family).exists():
        errors["family"] = f"No factor dataset of the family “{source.family}” has been imported."
    elif factor is None:
        errors["factor_key"] = (
            f"No dataset of the {source.family} family has a factor “{source.factor_key}”: pick one from the list."
        )
    else:
        try:
            units.multiplier(source.meter.unit, factor.unit)
            if source.scope2_basis == EmissionSource.Scope2Basis.ELECTRICITY:
                units.multiplier(factor.unit, "kWh")
        except units.UnitError as error:
            errors["factor_key"] = (
                f"The meter counts in {source.meter.unit} and the factor is per {factor.unit}: {error}"
            )
    clash = EmissionSource.objects.filter(
        meter_id=source.meter.pk, family=source.family, factor_key=source.factor_key
    ).exclude(pk=source.pk)
    if "factor_key" not in errors and clash.exists():
        errors["factor_key"] = "This meter is already mapped to that factor."
    if errors:
        raise ValidationError(errors)
    source.full_clean(exclude=["organisation", "meter", "version"], validate_unique=False)


def source_create(
    *,
    organisation: Any,
    meter: Any,
    family: str,
    factor_key: str,
    scope: int,
    scope3_category: int | None = None,
    scope2_basis: str = "",
    label: str = "",
    user: Any = None,
) -> EmissionSource:
    """Map a meter to a factor; open inventories take the new source in at once."""
    source = EmissionSource(
        organisation=organisation,
        meter=meter,
        family=(family or "").strip(),
        factor_key=(factor_key or "").strip(),
        scope=scope,
        scope3_category=scope3_category,
        scope2_basis=scope2_basis or "",
        label=(label or "").strip(),
    )
    _check_source(source, user)
    with transaction.atomic():
        source.save()
        refresh_open_inventories(organisation.pk)
    return source


def source_update(*, source: EmissionSource, version: int, user: Any = None, **fields: Any) -> EmissionSource:
    unknown = set(fields) - SOURCE_FIELDS
    if unknown:
        raise ValidationError(f"These fields of a source cannot be changed: {', '.join(sorted(unknown))}.")
    # A site-limited member may neither take away nor bring in another site's meter.
    _check_meter(source.organisation, source.meter, user)
    for name, value in fields.items():
        if name in {"family", "factor_key", "label"}:
            value = (value or "").strip()
        elif name == "scope2_basis":
            value = value or ""
        setattr(source, name, value)
    _check_source(source, user)
    source.version = version
    with transaction.atomic():
        source.save()
        refresh_open_inventories(source.organisation_id)
    return source


def source_delete(*, source: EmissionSource, user: Any = None) -> None:
    """Closed inventories keep their results (without the link); open ones drop the source."""
    _check_meter(source.organisation, source.meter, user)
    with transaction.atomic():
        organisation_id = source.organisation_id
        source.delete()
        refresh_open_inventories(organisation_id)


# --- Contractual instruments -------------------------------------------------------------------

INSTRUMENT_FIELDS = frozenset(
    {"kind", "site", "supplier", "reference", "start", "end", "emission_rate", "covered_kwh"}
)


def _check_instrument(instrument: ContractualInstrument, user: Any) -> None:
    errors: dict[str, str] = {}
    Kind = ContractualInstrument.Kind
    if instrument.kind not in Kind.values:
        errors["kind"] = "Choose a supplier rate, certificates or a power purchase agreement."
    site = instrument.site
    limited = _limited_sites(user, instrument.organisation_id)
    if site is not None and site.organisation_id != instrument.organisation_id:
        errors["site"] = "Choose a site of the organisation."
    elif limited and (site is None or site.pk not in limited):
        errors["site"] = "Choose one of the sites you work at."
    if instrument.start and instrument.end and instrument.end < instrument.start:
        errors["end"] = "The end cannot be before the start."
    if instrument.emission_rate is not None and instrument.emission_rate < 0:
        errors["emission_rate"] = "An emission rate cannot be negative (0 for renewable certificates)."
    if instrument.kind in (Kind.CERTIFICATE, Kind.PPA):
        if instrument.covered_kwh is None or instrument.covered_kwh <= 0:
            errors["covered_kwh"] = "Give the kWh the certificates or the agreement cover (more than 0)."
    elif instrument.kind == Kind.SUPPLIER_RATE and instrument.covered_kwh is not None:
        errors["covered_kwh"] = (
            "A supplier's rate applies to all the electricity it supplies: leave the kWh empty."
        )
    if errors:
        raise ValidationError(errors)
    instrument.full_clean(exclude=["organisation", "version"])


def instrument_create(
    *,
    organisation: Any,
    kind: str,
    supplier: str,
    start: Any,
    end: Any,
    emission_rate: Decimal,
    covered_kwh: Decimal | None = None,
    site: Any = None,
    reference: str = "",
    user: Any = None,
) -> ContractualInstrument:
    """Record evidence for market-based scope 2; open inventories are recalculated with it."""
    instrument = ContractualInstrument(
        organisation=organisation,
        kind=kind,
        site=site,
        supplier=(supplier or "").strip(),
        reference=(reference or "").strip(),
        start=start,
        end=end,
        emission_rate=emission_rate,
        covered_kwh=covered_kwh,
    )
    _check_instrument(instrument, user)
    with transaction.atomic():
        instrument.save()
        refresh_open_inventories(organisation.pk)
    return instrument


def instrument_update(
    *, instrument: ContractualInstrument, version: int, user: Any = None, **fields: Any
) -> ContractualInstrument:
    unknown = set(fields) - INSTRUMENT_FIELDS
    if unknown:
        raise ValidationError(
            f"These fields of an instrument cannot be changed: {', '.join(sorted(unknown))}."
        )
    limited = _limited_sites(user, instrument.organisation_id)
    if limited and instrument.site_id not in limited:
        raise ValidationError(
            "This instrument covers sites you do not work at; ask a member of the whole organisation."
        )
    for name, value in fields.items():
        if name in {"supplier", "reference"}:
            value = (value or "").strip()
        setattr(instrument, name, value)
    _check_instrument(instrument, user)
    instrument.version = version
    with transaction.atomic():
        instrument.save()
        refresh_open_inventories(instrument.organisation_id)
    return instrument


def instrument_delete(*, instrument: ContractualInstrument, user: Any = None) -> None:
    limited = _limited_sites(user, instrument.organisation_id)
    if limited and instrument.site_id not in limited:
        raise ValidationError(
            "This instrument covers sites you do not work at; ask a member of the whole organisation."
        )
    with transaction.atomic():
        organisation_id = instrument.organisation_id
        instrument.delete()
        refresh_open_inventories(organisation_id)


# --- Reading results ---------------------------------------------------------------------------
# Reads shared by the inventory pages, the export and the API. Each costs one query whatever the
# number of sources, months or sites, and starts from `InventoryResult.objects.visible_to(user)`, so a member limited
# to some sites sees the figures of those sites only.

TOTAL_LABELS = {
    "scope_1": "Scope 1",
    "scope_2_location": "Scope 2, location-based",
    "scope_2_market": "Scope 2, market-based",
    "scope_3": "Scope 3",
    "total_location": "Total, location-based",
    "total_market": "Total, market-based",
}
GAS_ORDER = {Gas.CO2E: 0, Gas.CO2: 1, Gas.CH4: 2, Gas.N2O: 3, Gas.OTHER: 4}
KG_PER_T = Decimal(1000)


def number_text(value: Decimal | None) -> str:
    """A factor or rate as published: no trailing zeros, never in exponent form."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def tonnes(totals_kg: dict[str, Decimal]) -> dict[str, Decimal]:
    return {key: value / KG_PER_T for key, value in totals_kg.items()}


def totals_by_inventory(
    results: QuerySet[InventoryResult], inventory_ids: list[int]
) -> dict[int, dict[str, Decimal]]:
    """Headline totals (kg CO₂e) of several inventories in one query."""
    rows = (
        results.filter(inventory_id__in=inventory_ids)
        .values_list("inventory_id", "scope", "method")
        .annotate(co2e=Sum("co2e_kg"))
        .order_by()
    )
    grouped: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for inventory_id, scope, method, co2e in rows:
        grouped[inventory_id].append((scope, method, co2e))
    return {pk: calculation.totals(grouped.get(pk, [])) for pk in inventory_ids}


@dataclass
class Breakdown:
    """An inventory's results summed every way its page shows them (CO₂e in tonnes)."""

    totals: dict[str, Decimal]
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_site: list[dict[str, Any]] = field(default_factory=list)
    by_gas: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    by_source: list[dict[str, Any]] = field(default_factory=list)


def _pivot(rows: list[tuple[Any, int, str, Decimal]]) -> dict[Any, dict[str, Decimal]]:
    """(group, scope, method, kg) rows → {group: headline totals in tonnes}."""
    grouped: dict[Any, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for group, scope, method, co2e in rows:
        grouped[group].append((scope, method, co2e))
    return {group: tonnes(calculation.totals(values)) for group, values in grouped.items()}


def inventory_breakdown(inventory: Inventory, results: QuerySet[InventoryResult]) -> Breakdown:
    results = results.filter(inventory=inventory).order_by()
    headline = [
        (None, s, m, c) for s, m, c in results.values_list("scope", "method").annotate(c=Sum("co2e_kg"))
    ]
    breakdown = Breakdown(totals=_pivot(headline).get(None) or tonnes(calculation.totals([])))

    categories = results.filter(scope=Scope.SCOPE_3).values_list("scope3_category").annotate(c=Sum("co2e_kg"))
    breakdown.by_category = sorted(
        (
            {
                "category": Scope3Category(category).label if category else "Not categorised",
                "number": category or 99,
                "co2e_t": co2e / KG_PER_T,
            }
            for category, co2e in categories
        ),
        key=lambda row: row["number"],
    )

    sites = results.values_list("site__code", "site__name", "scope", "method").annotate(c=Sum("co2e_kg"))
    by_site = _pivot([((code, name), scope, method, co2e) for code, name, scope, method, co2e in sites])
    breakdown.by_site = [
        {"code": code, "name": name, **figures} for (code, name), figures in sorted(by_site.items())
    ]

    # Market-based and location-based rows of scope 2 describe the same electricity twice, so
    # each gas is summed once per method: other scopes plus one of the two scope 2 figures.
    gases: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for ghg, method, gas_kg, co2e in results.values_list("ghg", "method").annotate(
        g=Sum("gas_kg"), c=Sum("co2e_kg")
    ):
        for basis in ("location", "market"):
            if method in ("", basis):
                gases[ghg][f"{basis}_gas_kg"] += gas_kg
                gases[ghg][f"{basis}_co2e_t"] += co2e / KG_PER_T
    breakdown.by_gas = [
        {"ghg": ghg, "label": Gas(ghg).label, "is_mass": ghg != Gas.CO2E, **figures}
        for ghg, figures in sorted(gases.items(), key=lambda item: GAS_ORDER.get(Gas(item[0]), 9))
    ]

    months = _pivot(list(results.values_list("month", "scope", "method").annotate(c=Sum("co2e_kg"))))
    breakdown.by_month = [
        {"month": month, "has_data": month in months, **(months.get(month) or tonnes(calculation.totals([])))}
        for month in (dt.date(inventory.year, number, 1) for number in range(1, 13))
    ]

    breakdown.by_source = _by_source(inventory, results)
    return breakdown


def _by_source(inventory: Inventory, results: QuerySet[InventoryResult]) -> list[dict[str, Any]]:
    """One row per source, method, gas and factor or instrument: the activity, the factor applied
    (with the publisher's id of the row) and the emissions, so every figure can be traced."""
    rows = results.values(
        "source_id",
        "source__label",
        "source__factor_key",
        "source__meter__code",
        "source__meter__name",
        "scope",
        "scope3_category",
        "method",
        "ghg",
        "activity_unit",
        "factor__external_id",
        "factor__value",
        "factor__value_unit",
        "factor__unit",
        "instrument__kind",
        "instrument__supplier",
        "instrument__reference",
        "instrument__emission_rate",
    ).annotate(activity=Sum("activity_quantity"), gas_kg=Sum("gas_kg"), co2e_kg=Sum("co2e_kg"))
    out = []
    for row in rows:
        if row["source_id"] is None:
            name = "A source deleted since the calculation"
        else:
            name = row["source__label"] or f"{row['source__meter__code']} → {row['source__factor_key']}"
        if row["factor__external_id"]:
            applied = {
                "factor_id": row["factor__external_id"],
                "rate": row["factor__value"],
                "rate_unit": f"{row['factor__value_unit']} per {row['factor__unit']}",
                "basis": "",
            }
        elif row["instrument__kind"]:
            kind = ContractualInstrument.Kind(row["instrument__kind"]).label
            reference = f" {row['instrument__reference']}" if row["instrument__reference"] else ""
            applied = {
                "factor_id": "",
                "rate": row["instrument__emission_rate"],
                "rate_unit": "kg CO2e per kWh",
                "basis": f"{kind}: {row['instrument__supplier']}{reference}",
            }
        else:
            applied = {
                "factor_id": "",
                "rate": inventory.residual_mix_factor,
                "rate_unit": "kg CO2e per kWh",
                "basis": "Residual mix",
            }
        applied["rate_text"] = number_text(applied["rate"])
        out.append(
            {
                "source_id": row["source_id"],
                "name": name,
                "meter": row["source__meter__code"] or "",
                "scope": row["scope"],
                "scope3_category": row["scope3_category"],
                "method": row["method"],
                "method_label": InventoryResult.Method(row["method"]).label if row["method"] else "",
                "ghg": row["ghg"],
                "ghg_label": Gas(row["ghg"]).label,
                "activity": row["activity"],
                "activity_unit": row["activity_unit"],
                "gas_kg": row["gas_kg"],
                "co2e_t": row["co2e_kg"] / KG_PER_T,
                **applied,
            }
        )
    out.sort(
        key=lambda r: (
            r["meter"],
            r["source_id"] or 0,
            r["method"],
            GAS_ORDER.get(Gas(r["ghg"]), 9),
            r["basis"],
        )
    )
    return out


def restatement_rows(restatement: Restatement) -> list[dict[str, Any]]:
    """Before and after of each headline total (tonnes), for the restatement history."""
    rows = []
    for key, label in TOTAL_LABELS.items():
        before = Decimal(restatement.totals_before.get(key, "0")) / KG_PER_T
        after = Decimal(restatement.totals_after.get(key, "0")) / KG_PER_T
        rows.append(
            {"key": key, "label": label, "before_t": before, "after_t": after, "change_t": after - before}
        )
    return rows
