"""Fields of the performance collections: records the requester can see, decimals with limits."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrum.standards.models import Standard

MAX_TEXT = 10_000


@extend_schema_field(OpenApiTypes.INT)
class VisibleField(serializers.PrimaryKeyRelatedField):
    """A record of `model` the requester can see; services check it is of the record's organisation."""

    default_error_messages = {"does_not_exist": "You have no such record with id {pk_value}."}

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.visible_to(self.context["request"].user)  # type: ignore[attr-defined]


def amount_field(**kwargs: Any) -> serializers.DecimalField:
    """A figure as the models keep it: up to 16 digits before the point and 4 after."""
    return serializers.DecimalField(max_digits=20, decimal_places=4, **kwargs)


def standards_field(**kwargs: Any) -> Any:
    kwargs.setdefault("help_text", 'Codes of the standards it serves, e.g. ["ISO 9001", "ISO 14001"].')
    return serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Standard.objects.all(), **kwargs
    )
