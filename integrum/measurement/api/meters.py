"""`meters/` and `site-figures/` (ISO 14001 9.1.1), written through `measurement.services`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import decorators, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.permissions import MANAGE
from integrum.measurement import services
from integrum.measurement.filters import MeterFilterSet, SiteFigureFilterSet
from integrum.measurement.models import Meter, SiteFigure


@extend_schema_field(OpenApiTypes.INT)
class MeterField(serializers.PrimaryKeyRelatedField):
    """A meter the requester may enter readings for (their sites' meters)."""

    default_error_messages = {"does_not_exist": "You have no meter with id {pk_value}."}

    def get_queryset(self) -> QuerySet[Meter]:
        return Meter.objects.visible_to(self.context["request"].user)


# --- Meters --------------------------------------------------------------------------------------


class MeterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meter
        fields = [
            "id",
            "organisation",
            "site",
            "code",
            "name",
            "kind",
            "unit",
            "reading_kind",
            "interval_minutes",
            "fuel",
            "waste_stream",
            "disposal_route",
            "supplier",
            "outlier_factor",
            "is_active",
            "last_register",
            "last_register_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


WRITABLE_METER_FIELDS = [
    "site",
    "code",
    "name",
    "kind",
    "unit",
    "reading_kind",
    "interval_minutes",
    "fuel",
    "waste_stream",
    "disposal_route",
    "supplier",
    "outlier_factor",
]


class MeterCreateSerializer(serializers.ModelSerializer):
    organisation = OrganisationField()
    site = SiteField()

    class Meta:
        model = Meter
        fields = ["organisation", *WRITABLE_METER_FIELDS]
        validators: ClassVar[list[Any]] = []  # the code clash gets the service's message


class MeterUpdateSerializer(serializers.ModelSerializer):
    site = SiteField(required=False)
    version = VersionField()

    class Meta:
        model = Meter
        fields = [*WRITABLE_METER_FIELDS, "version"]
        extra_kwargs: ClassVar[dict[str, Any]] = {name: {"required": False} for name in WRITABLE_METER_FIELDS}
        validators: ClassVar[list[Any]] = []


class MeterViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Meters, fuel accounts and waste streams (ISO 14001 9.1.1). Contributors add and change
    them at their sites; the unit is fixed once a meter has readings. Managers take a meter out of
    use (`deactivate`), back (`reactivate`), or delete one that never had a reading."""

    model = Meter
    serializer_class = MeterSerializer
    filterset_class = MeterFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": MeterCreateSerializer,
        "partial_update": MeterUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"deactivate": MANAGE, "reactivate": MANAGE, "destroy": MANAGE}

    def perform_create(self, data: dict[str, Any]) -> Meter:
        return services.meter_create(user=self.request.user, **data)  # type: ignore[arg-type]

    def perform_update(self, instance: Meter, data: dict[str, Any]) -> Meter:
        return services.meter_update(meter=instance, user=self.request.user, **data)  # type: ignore[arg-type]

    def perform_destroy(self, instance: Meter) -> None:
        services.meter_delete(meter=instance)

    @decorators.action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """Take the meter out of use: its readings stay, it takes no new ones."""
        return self.respond(services.meter_deactivate(meter=self.get_object()))

    @decorators.action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        """Bring a meter back into use."""
        return self.respond(services.meter_reactivate(meter=self.get_object()))


# --- Site figures --------------------------------------------------------------------------------


class SiteFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteFigure
        fields = [
            "id",
            "organisation",
            "site",
            "kind",
            "month",
            "value",
            "unit",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SiteFigureCreateSerializer(serializers.ModelSerializer):
    organisation = OrganisationField()
    site = SiteField(
        required=False, allow_null=True, default=None, help_text="Leave out for the whole organisation."
    )

    class Meta:
        model = SiteFigure
        fields = ["organisation", "site", "kind", "month", "value", "unit"]
        validators: ClassVar[list[Any]] = []  # one figure a month: the service's message


class SiteFigureUpdateSerializer(serializers.ModelSerializer):
    site = SiteField(required=False, allow_null=True)
    version = VersionField()

    class Meta:
        model = SiteFigure
        fields = ["site", "kind", "month", "value", "unit", "version"]
        extra_kwargs: ClassVar[dict[str, Any]] = {
            name: {"required": False} for name in ("kind", "month", "value", "unit")
        }
        validators: ClassVar[list[Any]] = []


class SiteFigureViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Output, floor area and head count per site (or for the whole organisation) and month: the
    denominators of intensity ratios. `month` is stored as the month's first day."""

    model = SiteFigure
    serializer_class = SiteFigureSerializer
    filterset_class = SiteFigureFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": SiteFigureCreateSerializer,
        "partial_update": SiteFigureUpdateSerializer,
    }

    def perform_create(self, data: dict[str, Any]) -> SiteFigure:
        return services.site_figure_create(user=self.request.user, **data)  # type: ignore[arg-type]

    def perform_update(self, instance: SiteFigure, data: dict[str, Any]) -> SiteFigure:
        return services.site_figure_update(figure=instance, user=self.request.user, **data)  # type: ignore[arg-type]

    def perform_destroy(self, instance: SiteFigure) -> None:
        services.site_figure_delete(figure=instance, user=self.request.user)  # type: ignore[arg-type]
