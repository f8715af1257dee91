"""Inventory lifecycle: create, recalculate while open, close, and restate explicitly once closed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from integrum.core.changelog import change_note
from integrum.ghg import calculation
from integrum.ghg.models import FactorDataset, GwpSet, Inventory, InventoryResult, Restatement

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
    with transaction.atomic(), change_note("created", f"Inventory {year} with {dataset.identifier}, {gwp_set}."):
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
    with transaction.atomic(), change_note("updated", "Inventory settings changed; results recalculated."):
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
    with transaction.atomic(), change_note("closed", f"Inventory {inventory.year} closed; its figures are final."):
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
        with change_note("restated", message):
            inventory.dataset, inventory.gwp_set = dataset, gwp_set
            inventory.changed_since_close = False
            inventory.save()
        _recalculate(inventory)
        after = inventory_totals(inventory)
        with change_note("restated", message):
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
