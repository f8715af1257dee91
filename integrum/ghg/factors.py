"""Emission-factor datasets: importing a publisher's workbook, reading and exporting its factors.

A dataset is public reference data shared by every organisation, imported once per edition and
never edited afterwards: a second import of the same edition (or of the same file) is refused,
so that inventories calculated with it stay reproducible. Pages, the API and the command line
all import through `dataset_import`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from integrum.core.changelog import change_note
from integrum.core.files import clean_filename
from integrum.core.models import ObjectChange
from integrum.ghg.models import EmissionFactor, FactorDataset, Gas, Scope
from integrum.ghg.parsers import ParsedDataset, detect_and_parse
from integrum.ghg.parsers.base import plain

BATCH_SIZE = 2000
EXPORT_COLUMNS = ["id", "key", "scope", "category", "activity", "unit", "ghg", "value", "value_unit"]


def dataset_import(*, name: str, data: bytes, user: Any = None) -> FactorDataset:
    """Read an official workbook and store it as a new dataset with all its factors, or nothing.

    Raises ValidationError when the file is not a workbook we know, or its edition (or the very
    same file) is already imported.
    """
    file_name = clean_filename(name or "factors.xlsx")
    limit = settings.INTEGRUM_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
        )
    parsed = detect_and_parse(file_name, data)
    sha256 = hashlib.sha256(data).hexdigest()
    refuse_duplicate(parsed, sha256)
    dataset = FactorDataset(
        identifier=parsed.identifier,
        publisher=parsed.publisher,
        family=parsed.family,
        name=parsed.name,
        edition=parsed.edition,
        version=parsed.version,
        format=parsed.format,
        licence=parsed.licence,
        attribution=parsed.attribution,
        source_url=parsed.source_url,
        gwp_set=parsed.gwp_set,
        gases_in_co2e=parsed.gases_in_co2e,
        file_name=file_name[:255],
        sha256=sha256,
        factor_count=len(parsed.factors),
        imported_by=user if getattr(user, "is_authenticated", False) else None,
    )
    message = f"Imported {len(parsed.factors)} factors from {file_name}"
    try:
        with transaction.atomic(), change_note(ObjectChange.Action.CREATE, message):
            dataset.save()
            EmissionFactor.objects.bulk_create(
                (
                    EmissionFactor(
                        dataset=dataset,
                        external_id=factor.external_id,
                        key=factor.key,
                        scope=factor.scope,
                        category=factor.category,
                        activity=factor.activity,
                        unit=factor.unit,
                        ghg=factor.ghg,
                        value=factor.value,
                        value_unit=factor.value_unit,
                    )
                    for factor in parsed.factors
                ),
                batch_size=BATCH_SIZE,
            )
    except IntegrityError as error:  # the same edition imported at the same moment by someone else
        raise ValidationError(f"{parsed.identifier} is already imported.") from error
    return dataset


def refuse_duplicate(parsed: ParsedDataset, sha256: str) -> None:
    """One query: is this edition, or this very file, already here?"""
    existing = (
        FactorDataset.objects.filter(
            Q(sha256=sha256)
            | Q(identifier=parsed.identifier)
            | Q(family=parsed.family, edition=parsed.edition, version=parsed.version)
        )
        .only("identifier", "sha256")
        .first()
    )
    if existing is None:
        return
    if existing.sha256 == sha256:
        raise ValidationError(
            f"This file is already imported as {existing.identifier}; datasets are never imported twice."
        )
    raise ValidationError(
        f"{parsed.name} is already imported as {existing.identifier}; datasets are never replaced. "
        "A corrected edition comes with a new version number."
    )


# --- Reading ---------------------------------------------------------------------------------


def datasets() -> QuerySet[FactorDataset]:
    return FactorDataset.objects.select_related("imported_by")


def factors_of(dataset: FactorDataset) -> QuerySet[EmissionFactor]:
    # The workbook's order, which groups a publisher's rows the way its readers know them.
    return EmissionFactor.objects.filter(dataset=dataset).order_by("id")


class EmissionFactorFilterSet(django_filters.FilterSet):
    """The factors of one dataset, narrowed by key, scope, gas or text (page and API alike)."""

    q = django_filters.CharFilter(method="search", label="Search")
    key = django_filters.CharFilter(field_name="key", label="Key")
    scope = django_filters.ChoiceFilter(choices=Scope.choices, label="Scope", empty_label="Any")
    ghg = django_filters.ChoiceFilter(choices=Gas.choices, label="Gas", empty_label="Any")

    class Meta:
        model = EmissionFactor
        fields: ClassVar[list[str]] = []

    def search(self, queryset: QuerySet[EmissionFactor], name: str, value: str) -> QuerySet[EmissionFactor]:
        condition = Q()
        for word in value.split():
            condition &= (
                Q(activity__icontains=word)
                | Q(category__icontains=word)
                | Q(unit__icontains=word)
                | Q(key__icontains=word)
                | Q(external_id__icontains=word)
            )
        return queryset.filter(condition)


def dataset_export_rows(dataset: FactorDataset) -> Iterator[list[str]]:
    """The header, then one row per factor with the value as published; streamed, not loaded."""
    yield EXPORT_COLUMNS
    rows = factors_of(dataset).values_list(
        "external_id", "key", "scope", "category", "activity", "unit", "ghg", "value", "value_unit"
    )
    for external_id, key, scope, category, activity, unit, ghg, value, value_unit in rows.iterator(
        chunk_size=BATCH_SIZE
    ):
        yield [external_id, key, str(scope), category, activity, unit, ghg, plain(value), value_unit]
