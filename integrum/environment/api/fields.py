from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrum.environment.models import ComplianceObligation


@extend_schema_field(OpenApiTypes.INT)
class ObligationField(serializers.PrimaryKeyRelatedField):
    """An obligation the requester can see; services check it is of the record's organisation."""

    default_error_messages = {"does_not_exist": "You have no compliance obligation with id {pk_value}."}

    def get_queryset(self) -> QuerySet[ComplianceObligation]:
        return ComplianceObligation.objects.visible_to(self.context["request"].user)
