"""What a risk may come from: records of `context` (to our left) and `environment` (to our right).

Both are named by content type only (``app_label.model``), so `risks` never imports
`environment`; a kind whose model is not installed (yet) is simply not offered.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from integrum.core import linking

# key → label, in the order the picker shows them.
SOURCE_KINDS: dict[str, str] = {
    "context.contextissue": "Context issue",
    "context.interestedparty": "Interested party",
    "context.process": "Process",
    "environment.aspect": "Environmental aspect",
    "environment.complianceobligation": "Compliance obligation",
}

# How many records of each kind the picker lists (the rest are found by reference in the search).
PICKER_LIMIT = 300


def model_of(key: str) -> type[models.Model] | None:
    if key not in SOURCE_KINDS:
        return None
    app_label, model_name = key.split(".")
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def available_kinds() -> list[tuple[str, str]]:
    """(key, label) of the source kinds whose models exist."""
    return [(key, label) for key, label in SOURCE_KINDS.items() if model_of(key) is not None]


def key_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def check_source(source: models.Model | None, organisation: Any) -> None:
    """Refuse a source of another kind or organisation (ValidationError on `source`)."""
    if source is None:
        return
    if key_of(source) not in SOURCE_KINDS:
        kinds = ", ".join(label.lower() for label in SOURCE_KINDS.values())
        raise ValidationError({"source": f"A risk can come from a {kinds}; not from this kind of record."})
    if getattr(source, "organisation_id", None) != organisation.pk:
        raise ValidationError({"source": "The source must be a record of the same organisation."})


def resolve(value: str, user: Any, organisation: Any) -> models.Model | None:
    """The record named ``app.model:id`` if it is an allowed kind the user may see; None for ""."""
    value = (value or "").strip()
    if not value:
        return None
    key, _, pk = value.partition(":")
    model = model_of(key)
    if model is None or not pk.isdigit():
        raise ValidationError({"source": "Choose the source from the list."})
    found = linking.resolve(key, pk, user, organisation)
    if found is None:
        found = (
            model.objects.visible_to(user).filter(organisation=organisation, pk=pk).first()  # type: ignore[attr-defined]
        )
    if found is None:
        raise ValidationError({"source": "No such record among those you can see."})
    return found


def choices_for(user: Any, organisation: Any) -> list[tuple[str, Any]]:
    """Grouped picker choices: one group per kind, up to PICKER_LIMIT records each (a query per kind)."""
    groups: list[tuple[str, Any]] = [("", "No particular source")]
    for key, label in available_kinds():
        model = model_of(key)
        records = model.objects.visible_to(user).filter(organisation=organisation)[:PICKER_LIMIT]  # type: ignore[union-attr]
        options = [(f"{key}:{record.pk}", str(record)) for record in records]
        if options:
            groups.append((label, options))
    return groups


def content_type_for(key: str) -> ContentType | None:
    model = model_of(key)
    return ContentType.objects.get_for_model(model) if model is not None else None
