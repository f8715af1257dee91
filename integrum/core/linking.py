"""Records that can be linked from other records (evidence for a clause, a source, …).

Apps register their linkable models in `AppConfig.ready()`; pickers search them all through
`visible_to(user)`, so a link can never reach a record the user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class Linkable:
    model: type[models.Model]
    label: str
    search_fields: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"


_registry: dict[str, Linkable] = {}


def register_linkable(model: type[models.Model], label: str, search_fields: tuple[str, ...]) -> None:
    linkable = Linkable(model, label, search_fields)
    _registry[linkable.key] = linkable


def _scoped(linkable: Linkable, user: Any, organisation: Any) -> models.QuerySet[Any]:
    return linkable.model.objects.visible_to(user).filter(organisation=organisation)  # type: ignore[attr-defined]


def search(user: Any, organisation: Any, text: str, limit: int = 10) -> list[tuple[Linkable, Any]]:
    """Records of every linkable kind whose search fields contain `text` (one query per kind)."""
    text = text.strip()
    if not text:
        return []
    found = []
    for linkable in _registry.values():
        condition = Q()
        for field in linkable.search_fields:
            condition |= Q(**{f"{field}__icontains": text})
        found += [(linkable, obj) for obj in _scoped(linkable, user, organisation).filter(condition)[:limit]]
    return found


def find_by_reference(user: Any, organisation: Any, text: str) -> Any:
    """The record whose reference is exactly `text` (e.g. ACT-0042), if the user may see it."""
    for linkable in _registry.values():
        if "reference" in linkable.search_fields:
            found = _scoped(linkable, user, organisation).filter(reference__iexact=text.strip()).first()
            if found is not None:
                return found
    return None


def resolve(key: str, pk: str, user: Any, organisation: Any) -> Any:
    """The record `key`/`pk` if it is linkable and visible to the user, else None."""
    linkable = _registry.get(key)
    if linkable is None:
        return None
    return _scoped(linkable, user, organisation).filter(pk=pk).first()


def content_type_key(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"
