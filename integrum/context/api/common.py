"""Fields shared by the context collections."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrum.core.api_policy import require_role
from integrum.standards.models import Standard


@extend_schema_field(OpenApiTypes.INT)
class VisibleField(serializers.PrimaryKeyRelatedField):
    """A record of `model` the requester can see (services then check it is of the right organisation)."""

    default_error_messages = {"does_not_exist": "You have no such record with id {pk_value}."}

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.visible_to(self.context["request"].user)  # type: ignore[attr-defined]


def standards_field(**kwargs: Any) -> Any:
    kwargs.setdefault("help_text", "Ids of the standards concerned; empty: both.")
    return serializers.PrimaryKeyRelatedField(many=True, queryset=Standard.objects.all(), **kwargs)


def check_parent_role(view: Any, parent: Any) -> None:
    """On create of a child record: the role the action needs in the parent's organisation."""
    from integrum.core.api_policy import required_role

    require_role(view.request, parent.organisation_id, required_role(view.request, view))
