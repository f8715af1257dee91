"""Records related to a record, from apps to its right ("risks raised from this context issue").

An app registers a provider in `AppConfig.ready()`; a record page asks `related_to(obj, user)`
and shows what comes back, so that e.g. `context` lists risks without importing `risks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Related:
    label: str  # the kind of record, e.g. "Risk"
    record: Any  # has get_absolute_url and __str__
    status: str = ""
    css_class: str = ""


Provider = Callable[[models.Model, Any], list[Related]]
_providers: list[Provider] = []


def register_relations(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def related_to(obj: models.Model, user: Any) -> list[Related]:
    """Everything the providers relate to `obj` that the user may see (each provider filters)."""
    found: list[Related] = []
    for provider in _providers:
        found += provider(obj, user)
    return found
