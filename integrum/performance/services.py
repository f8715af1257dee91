"""Writes with rules for KPIs and their values (ISO 9001/14001 9.1.1) and for objectives and the
actions planned to achieve them (6.2)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from integrum.actions.models import Action
from integrum.actions.services import action_create
from integrum.core.changelog import change_note
from integrum.core.models import ObjectChange, Organisation, Site, StaleEdit, User
from integrum.core.numbering import format_reference, next_number
from integrum.core.permissions import membership_in
from integrum.core.validation import check_known_fields, check_member, check_sites
from integrum.measurement import units
from integrum.measurement.models import Meter, Quality
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.periods import period_label, period_start
from integrum.standards.models import Standard
from integrum.standards.services import standards_chosen

# The units a KPI computed from the GHG inventory may be kept in, and kg CO₂e per one of each.
EMISSION_UNITS = {"kg CO2e": Decimal(1), "t CO2e": Decimal(1000)}
_EMISSION_SPELLINGS = {
    "kgco2e": "kg CO2e",
    "kgco₂e": "kg CO2e",
    "tco2e": "t CO2e",
    "tco₂e": "t CO2e",
    "tonnesco2e": "t CO2e",
    "tonneco2e": "t CO2e",
}

KPI_FIELDS = {
    "name",
    "description",
    "unit",
    "direction",
    "target",
    "warning_threshold",
    "frequency",
    "normalisation",
    "roll_up",
    "source",
    "meter_kind",
    "emissions_basis",
    "baseline_year",
    "baseline_value",
    "owner",
    "is_active",
}

OBJECTIVE_FIELDS = {
    "title",
    "statement",
    "kpi",
    "baseline_value",
    "baseline_date",
    "target_value",
    "start_date",
    "due_date",
    "owner",
    "resources",
    "evaluation",
}

Source = Kpi.Source


def _decimal(value: Any, field: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label} must be a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{label} must be a number."})
    return number


# --- KPIs ------------------------------------------------------------------------------------


def emission_unit(text: str) -> str:
    """The canonical spelling of a CO₂e unit (kg CO2e or t CO2e); ValidationError otherwise."""
    squashed = "".join((text or "").split()).lower().replace("₂", "2")
    if squashed in {"kgco2e", "tco2e"} or squashed in _EMISSION_SPELLINGS:
        return _EMISSION_SPELLINGS.get(squashed, "kg CO2e" if squashed.startswith("kg") else "t CO2e")
    raise ValidationError({"unit": "A KPI computed from the GHG inventory is kept in kg CO2e or t CO2e."})


def _check_meter_unit(kpi: Kpi, site_ids: list[int]) -> None:
    """The KPI's unit must be one every meter of its kind (in its sites) can be converted to."""
    kinds = dict(Meter.Kind.choices)
    if kpi.meter_kind not in kinds:
        raise ValidationError({"meter_kind": "Choose which kind of meter the KPI adds up."})
    try:
        units.parse_unit(kpi.unit)
    except units.UnitError as error:
        raise ValidationError(
            {"unit": f"{error} A KPI computed from meters needs a unit of measure, e.g. kWh, m³ or tonnes."}
        ) from None
    meters = Meter.objects.filter(organisation_id=kpi.organisation_id, kind=kpi.meter_kind)
    if site_ids:
        meters = meters.filter(site_id__in=site_ids)
    meter_units = sorted(set(meters.values_list("unit", flat=True)))
    if not meter_units:
        allowed = Meter.DIMENSIONS[Meter.Kind(kpi.meter_kind)]
        if units.dimension_name(kpi.unit) not in allowed:
            raise ValidationError(
                {"unit": f"{kinds[kpi.meter_kind]} is measured in {' or '.join(allowed)}; {kpi.unit} is not."}
            )
        return
    refused = []
    for meter_unit in meter_units:
        try:
            units.multiplier(meter_unit, kpi.unit)
        except units.UnitError:
            refused.append(meter_unit)
    if refused:
        raise ValidationError(
            {
                "unit": f"The {kinds[kpi.meter_kind].lower()} meters are kept in {', '.join(refused)}, "
                f"which cannot be converted to {kpi.unit}. Choose a unit of the same kind of quantity."
            }
        )


def _check_kpi(kpi: Kpi, site_ids: list[int]) -> None:
    """The rules of a KPI definition; fields that do not apply to its source are cleared."""
    if kpi.source != Source.METERS:
        kpi.meter_kind = ""
    if kpi.source != Source.EMISSIONS:
        kpi.emissions_basis = ""
    kpi.unit = (kpi.unit or "").strip()
    kpi.target = _decimal(kpi.target, "target", "The target")
    kpi.warning_threshold = _decimal(kpi.warning_threshold, "warning_threshold", "The warning threshold")
    kpi.baseline_value = _decimal(kpi.baseline_value, "baseline_value", "The baseline value")
    if not kpi.unit:
        raise ValidationError(
            {"unit": "Give the unit the KPI is expressed in, e.g. kWh, t CO2e, % or complaints."}
        )
    if kpi.source == Source.METERS:
        _check_meter_unit(kpi, site_ids)
    elif kpi.source == Source.EMISSIONS:
        if kpi.emissions_basis not in Kpi.EmissionsBasis.values:
            raise ValidationError(
                {"emissions_basis": "Choose which scopes of the inventory the KPI adds up."}
            )
        kpi.unit = emission_unit(kpi.unit)
    if kpi.warning_threshold is not None:
        if kpi.target is None:
            raise ValidationError({"warning_threshold": "Set a target before a warning threshold."})
        if kpi.direction == Kpi.Direction.LOWER and kpi.warning_threshold <= kpi.target:
            raise ValidationError(
                {
                    "warning_threshold": "Lower is better: the warning threshold must be above the target "
                    f"({kpi.target.normalize():f}), where a value starts to be worrying."
                }
            )
        if kpi.direction == Kpi.Direction.HIGHER and kpi.warning_threshold >= kpi.target:
            raise ValidationError(
                {
                    "warning_threshold": "Higher is better: the warning threshold must be below the target "
                    f"({kpi.target.normalize():f}), where a value starts to be worrying."
                }
            )
    if kpi.baseline_year is not None and not 1900 <= kpi.baseline_year <= 2100:
        raise ValidationError({"baseline_year": "Give the baseline year as four digits, e.g. 2019."})


def _kpi_site_ids(organisation: Organisation, sites: Iterable[Site]) -> list[Site]:
    return check_sites(organisation, sites)


@transaction.atomic
def kpi_create(
    *,
    organisation: Organisation,
    name: str,
    unit: str,
    direction: str,
    standards: Iterable[Standard],
    sites: Iterable[Site] = (),
    **fields: Any,
) -> Kpi:
    """Define a KPI with the organisation's next reference (KPI-0001)."""
    check_known_fields(fields, KPI_FIELDS, "a KPI")
    chosen = standards_chosen(standards, "the KPI serves")
    check_member(organisation, fields.get("owner"), "owner")
    site_list = _kpi_site_ids(organisation, sites)
    kpi = Kpi(organisation=organisation, name=name, unit=unit, direction=direction, **fields)
    _check_kpi(kpi, [site.pk for site in site_list])
    kpi.full_clean(exclude=["number", "reference", "standards", "sites"])
    kpi.number = next_number(organisation, "kpi")
    kpi.reference = format_reference("KPI", kpi.number)
    kpi.save()
    kpi.standards.set(chosen)
    kpi.sites.set(site_list)
    return kpi


@transaction.atomic
def kpi_update(
    *,
    kpi: Kpi,
    version: int,
    standards: Iterable[Standard] | None = None,
    sites: Iterable[Site] | None = None,
    **fields: Any,
) -> Kpi:
    """Edit a KPI definition; `version` is the one the editor saw (a stale edit raises StaleEdit).

    A KPI with values entered by hand keeps its source: changing it would silently hide them.
    """
    check_known_fields(fields, KPI_FIELDS, "a KPI")
    organisation = kpi.organisation
    if "owner" in fields:
        check_member(organisation, fields["owner"], "owner")
    chosen = standards_chosen(standards, "the KPI serves") if standards is not None else None
    site_list = _kpi_site_ids(organisation, sites) if sites is not None else None
    previous_source = Kpi.objects.filter(pk=kpi.pk).values_list("source", flat=True).first()
    for name, value in fields.items():
        setattr(kpi, name, value)
    if previous_source == Source.MANUAL and kpi.source != Source.MANUAL:
        count = kpi.values.count()
        if count:
            raise ValidationError(
                {
                    "source": f"{kpi.reference} has {count} value{'s' if count != 1 else ''} entered by hand. "
                    "Define a new KPI for the computed figures, or delete the values first."
                }
            )
    site_ids = (
        [s.pk for s in site_list] if site_list is not None else list(kpi.sites.values_list("pk", flat=True))
    )
    _check_kpi(kpi, site_ids)
    kpi.version = version
    kpi.full_clean(exclude=["number", "reference", "standards", "sites"])
    kpi.save()
    if chosen is not None:
        kpi.standards.set(chosen)
    if site_list is not None:
        kpi.sites.set(site_list)
    return kpi


@transaction.atomic
def kpi_delete(*, kpi: Kpi) -> None:
    """Delete a KPI and its values (managers); refused while an objective is measured by it."""
    objectives = list(Objective.objects.filter(kpi=kpi).values_list("reference", flat=True)[:5])
    if objectives:
        raise ValidationError(
            f"{kpi.reference} measures {', '.join(objectives)}: choose another KPI for "
            f"{'them' if len(objectives) > 1 else 'it'} first, or make the KPI inactive instead."
        )
    kpi.delete()


# --- KPI values ------------------------------------------------------------------------------


def _check_value_site(kpi: Kpi, site: Site | None, user: User | None) -> None:
    if site is not None and site.organisation_id != kpi.organisation_id:
        raise ValidationError({"site": "Choose a site of the KPI's organisation."})
    limited = list(kpi.sites.values_list("pk", flat=True))
    if site is not None and limited and site.pk not in limited:
        codes = ", ".join(kpi.sites.order_by("code").values_list("code", flat=True))
        raise ValidationError(
            {"site": f"{kpi.reference} covers only {codes}; {site.code} is not one of them."}
        )
    if user is None:
        return
    membership = membership_in(user, kpi.organisation_id)
    if membership is None:
        raise ValidationError("Only members of the organisation record its KPI values.")
    own = membership.site_ids
    if own and site is None:
        raise ValidationError({"site": "You work on some sites only: choose the site the value is for."})
    if own and site is not None and site.pk not in own:
        raise ValidationError({"site": f"You do not work on {site}: record values for your own sites."})


def _value_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


@transaction.atomic
def kpi_value_record(
    *,
    kpi: Kpi,
    period: datetime.date,
    value: Any,
    user: User | None,
    site: Site | None = None,
    quality: str = Quality.MEASURED,
    note: str = "",
    version: int | None = None,
    origin: str = KpiValue.Origin.MANUAL,
) -> KpiValue:
    """Enter the value of a KPI for a period (normalised to the period's first day) and a site
    (None: the KPI's whole scope).

    There is one value per KPI, site and period. When one exists, pass the `version` you saw to
    replace it (a stale version raises StaleEdit); without it the entry is refused, so nobody
    overwrites a value they have not seen. Imports pass `origin=import` and replace values.
    """
    if kpi.source != Source.MANUAL:
        raise ValidationError(
            f"{kpi.reference} is {kpi.get_source_display().lower()}: its values cannot be entered by hand."
        )
    if not kpi.is_active:
        raise ValidationError(f"{kpi.reference} is no longer active: make it active again to record values.")
    if not isinstance(period, datetime.date):
        raise ValidationError({"period": "Give the period as a date."})
    number = _decimal(value, "value", "The value")
    if number is None:
        raise ValidationError({"value": "Give the value."})
    if quality not in Quality.values:
        raise ValidationError({"quality": "Choose measured, estimated or invoiced."})
    start = period_start(period, kpi.frequency)
    if start > timezone.localdate():
        raise ValidationError({"period": f"{period_label(start, kpi.frequency)} has not started yet."})
    _check_value_site(kpi, site, user)
    label = period_label(start, kpi.frequency)
    where = f" at {site.code}" if site is not None else ""
    existing = KpiValue.objects.select_for_update().filter(kpi=kpi, site=site, period=start).first()
    if existing is None:
        record = KpiValue(
            organisation_id=kpi.organisation_id,
            kpi=kpi,
            site=site,
            period=start,
            value=number,
            quality=quality,
            note=(note or "").strip(),
            origin=origin,
            entered_by=user,
        )
        record.full_clean()
        with change_note(
            ObjectChange.Action.CREATE, f"Value for {label}{where}: {_value_text(number)} {kpi.unit}"
        ):
            record.save()
        return record
    if version is None and origin != KpiValue.Origin.IMPORT:
        raise ValidationError(
            {
                "period": f"{label}{where} already has a value ({_value_text(existing.value)} {kpi.unit}). "
                "Edit that value to change it."
            }
        )
    if version is not None and version != existing.version:
        raise StaleEdit(existing)
    before = existing.value
    existing.value, existing.quality, existing.note = number, quality, (note or "").strip()
    existing.origin, existing.entered_by = origin, user
    existing.full_clean()
    message = f"Value for {label}{where}: {_value_text(before)} → {_value_text(number)} {kpi.unit}"
    with change_note(ObjectChange.Action.UPDATE, message):
        existing.save()
    return existing


@transaction.atomic
def kpi_value_update(
    *,
    kpi_value: KpiValue,
    version: int,
    user: User | None,
    value: Any = None,
    quality: str | None = None,
    note: str | None = None,
) -> KpiValue:
    """Change a value's figure, quality or note (its KPI, site and period stay)."""
    kpi = kpi_value.kpi
    return kpi_value_record(
        kpi=kpi,
        period=kpi_value.period,
        site=kpi_value.site,
        value=kpi_value.value if value is None else value,
        quality=kpi_value.quality if quality is None else quality,
        note=kpi_value.note if note is None else note,
        user=user,
        version=version,
    )


@transaction.atomic
def kpi_value_delete(*, kpi_value: KpiValue) -> None:
    kpi = kpi_value.kpi
    label = period_label(kpi_value.period, kpi.frequency)
    with change_note(ObjectChange.Action.DELETE, f"Value for {label} removed"):
        kpi_value.delete()


# --- Objectives ------------------------------------------------------------------------------


def _same_organisation(
    organisation: Organisation, records: Iterable[models.Model], field: str, what: str
) -> list[Any]:
    chosen = list(records)
    if any(getattr(record, "organisation_id", None) != organisation.pk for record in chosen):
        raise ValidationError({field: f"Choose {what} of the organisation."})
    return chosen


def effective_baseline(objective: Objective) -> Decimal | None:
    """The objective's own baseline, else its KPI's."""
    if objective.baseline_value is not None:
        return objective.baseline_value
    return objective.kpi.baseline_value if objective.kpi is not None else None


def effective_target(objective: Objective) -> Decimal | None:
    """The objective's own target, else its KPI's."""
    if objective.target_value is not None:
        return objective.target_value
    return objective.kpi.target if objective.kpi is not None else None


def _check_objective(objective: Objective) -> None:
    organisation_id = objective.organisation_id
    objective.baseline_value = _decimal(objective.baseline_value, "baseline_value", "The baseline")
    objective.target_value = _decimal(objective.target_value, "target_value", "The target")
    if objective.kpi is not None and objective.kpi.organisation_id != organisation_id:
        raise ValidationError({"kpi": "Choose a KPI of the organisation."})
    if objective.start_date and objective.due_date and objective.due_date < objective.start_date:
        raise ValidationError({"due_date": "The due date cannot be before the start date."})
    baseline, target = effective_baseline(objective), effective_target(objective)
    if baseline is not None and target is not None:
        if baseline == target:
            raise ValidationError(
                {"target_value": "The target equals the baseline: there would be nothing to achieve."}
            )
        kpi = objective.kpi
        if kpi is not None and kpi.direction == Kpi.Direction.LOWER and target > baseline:
            raise ValidationError(
                {
                    "target_value": f"Lower is better for {kpi.reference}: the target must be below the baseline."
                }
            )
        if kpi is not None and kpi.direction == Kpi.Direction.HIGHER and target < baseline:
            raise ValidationError(
                {
                    "target_value": f"Higher is better for {kpi.reference}: the target must be above the baseline."
                }
            )


def _objective_links(
    organisation: Organisation,
    risks: Iterable[Any] | None,
    aspects: Iterable[Any] | None,
    obligations: Iterable[Any] | None,
) -> tuple[list[Any] | None, list[Any] | None, list[Any] | None]:
    return (
        _same_organisation(organisation, risks, "risks", "risks") if risks is not None else None,
        _same_organisation(organisation, aspects, "aspects", "aspects") if aspects is not None else None,
        _same_organisation(organisation, obligations, "obligations", "compliance obligations")
        if obligations is not None
        else None,
    )


@transaction.atomic
def objective_create(
    *,
    organisation: Organisation,
    title: str,
    statement: str,
    start_date: datetime.date,
    due_date: datetime.date,
    standards: Iterable[Standard],
    risks: Iterable[Any] = (),
    aspects: Iterable[Any] = (),
    obligations: Iterable[Any] = (),
    **fields: Any,
) -> Objective:
    """Set an objective with the organisation's next reference (OBJ-0001)."""
    check_known_fields(fields, OBJECTIVE_FIELDS, "an objective")
    chosen = standards_chosen(standards, "the objective serves")
    check_member(organisation, fields.get("owner"), "owner")
    risk_list, aspect_list, obligation_list = _objective_links(organisation, risks, aspects, obligations)
    objective = Objective(
        organisation=organisation,
        title=title,
        statement=statement,
        start_date=start_date,
        due_date=due_date,
        **fields,
    )
    _check_objective(objective)
    objective.full_clean(exclude=["number", "reference", "standards", "risks", "aspects", "obligations"])
    objective.number = next_number(organisation, "objective")
    objective.reference = format_reference("OBJ", objective.number)
    objective.save()
    objective.standards.set(chosen)
    objective.risks.set(risk_list or [])
    objective.aspects.set(aspect_list or [])
    objective.obligations.set(obligation_list or [])
    return objective


@transaction.atomic
def objective_update(
    *,
    objective: Objective,
    version: int,
    standards: Iterable[Standard] | None = None,
    risks: Iterable[Any] | None = None,
    aspects: Iterable[Any] | None = None,
    obligations: Iterable[Any] | None = None,
    **fields: Any,
) -> Objective:
    """Edit an objective; `version` is the one the editor saw. A cancelled one is reinstated first."""
    check_known_fields(fields, OBJECTIVE_FIELDS, "an objective")
    if objective.is_cancelled:
        raise ValidationError(f"{objective.reference} is cancelled: reinstate it before changing it.")
    organisation = objective.organisation
    if "owner" in fields:
        check_member(organisation, fields["owner"], "owner")
    chosen = standards_chosen(standards, "the objective serves") if standards is not None else None
    risk_list, aspect_list, obligation_list = _objective_links(organisation, risks, aspects, obligations)
    for name, value in fields.items():
        setattr(objective, name, value)
    _check_objective(objective)
    objective.version = version
    objective.full_clean(exclude=["number", "reference", "standards", "risks", "aspects", "obligations"])
    objective.save()
    if chosen is not None:
        objective.standards.set(chosen)
    if risk_list is not None:
        objective.risks.set(risk_list)
    if aspect_list is not None:
        objective.aspects.set(aspect_list)
    if obligation_list is not None:
        objective.obligations.set(obligation_list)
    return objective


@transaction.atomic
def objective_cancel(*, objective: Objective, reason: str) -> Objective:
    """Cancel an objective that no longer applies (managers); the reason goes into the change log.

    Its actions stay in the tracker: cancel them there if they are no longer needed.
    """
    reason = " ".join((reason or "").split())
    if objective.is_cancelled:
        raise ValidationError(f"{objective.reference} is already cancelled.")
    if not reason:
        raise ValidationError({"reason": "Say why the objective is cancelled."})
    if len(reason) > 400:
        raise ValidationError({"reason": "Keep the reason to 400 characters."})
    objective.is_cancelled = True
    with change_note(ObjectChange.Action.TRANSITION, f"Active → Cancelled: {reason}"):
        objective.save()
    return objective


@transaction.atomic
def objective_reinstate(*, objective: Objective) -> Objective:
    if not objective.is_cancelled:
        raise ValidationError(f"{objective.reference} is not cancelled.")
    objective.is_cancelled = False
    with change_note(ObjectChange.Action.TRANSITION, "Cancelled → Active"):
        objective.save()
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective) -> None:
    """Delete an objective (managers); refused while actions planned for it are still open."""
    open_actions = Action.objects.raised_by(objective).open().count()
    if open_actions:
        raise ValidationError(
            f"Cannot delete {objective.reference}: {open_actions} action(s) planned to achieve it are still "
            "open. Finish or cancel them first, or cancel the objective instead."
        )
    objective.delete()


@transaction.atomic
def objective_action_create(
    *,
    objective: Objective,
    created_by: User | None,
    title: str,
    description: str = "",
    owner: User | None = None,
    due_date: datetime.date | None = None,
    priority: str = Action.Priority.MEDIUM,
) -> Action:
    """Plan an action to achieve the objective (ISO 6.2.2): it goes into the action tracker with the
    objective as its source."""
    if objective.is_cancelled:
        raise ValidationError(f"{objective.reference} is cancelled: reinstate it before planning actions.")
    return action_create(
        organisation=objective.organisation,
        title=title,
        description=description,
        owner=owner,
        due_date=due_date,
        priority=priority,
        created_by=created_by,
        source=objective,
    )
