"""`/api/v1/emission-sources/` (meters mapped to factor keys) and `/api/v1/contractual-instruments/`
(evidence for market-based scope 2). Every change recalculates the organisation's open inventories."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.permissions import WRITE
from integrum.ghg import services
from integrum.ghg.filters import EmissionSourceFilterSet, InstrumentFilterSet
from integrum.ghg.models import ContractualInstrument, EmissionSource, Scope, Scope3Category
from integrum.measurement.models import Meter


@extend_schema_field(OpenApiTypes.INT)
class MeterField(serializers.PrimaryKeyRelatedField):
    """A meter the requester can see (of their sites, for a site-limited member)."""

    default_error_messages = {"does_not_exist": "You have no meter with id {pk_value}."}

    def get_queryset(self) -> QuerySet[Meter]:
        return Meter.objects.visible_to(self.context["request"].user)


# --- Emission sources -------------------------------------------------------------------------


class EmissionSourceSerializer(serializers.ModelSerializer):
    meter_code = serializers.CharField(source="meter.code", read_only=True)
    meter_unit = serializers.CharField(source="meter.unit", read_only=True)
    site = serializers.IntegerField(source="meter.site_id", read_only=True)

    class Meta:
        model = EmissionSource
        fields = [
            "id",
            "organisation",
            "meter",
            "meter_code",
            "meter_unit",
            "site",
            "family",
            "factor_key",
            "scope",
            "scope3_category",
            "scope2_basis",
            "label",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SourceWriteFields(serializers.Serializer):
    family = serializers.CharField(max_length=30, help_text="Dataset family of the factor, e.g. desnz.")
    factor_key = serializers.CharField(
        max_length=120, help_text="The factor's key, the same in every edition."
    )
    scope = serializers.ChoiceField(choices=Scope.choices)
    scope3_category = serializers.ChoiceField(
        choices=Scope3Category.choices,
        required=False,
        allow_null=True,
        help_text="Required for scope 3 only.",
    )
    scope2_basis = serializers.ChoiceField(
        choices=EmissionSource.Scope2Basis.choices,
        required=False,
        allow_blank=True,
        help_text="Required for scope 2 only: electricity (location- and market-based) or heat.",
    )
    # DRF's metaclass moves declared fields out of the class body: Field.label stays untouched.
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)  # type: ignore[assignment]


class SourceCreateSerializer(SourceWriteFields):
    organisation = OrganisationField()
    meter = MeterField()


class SourceUpdateSerializer(SourceWriteFields):
    meter = MeterField(required=False)
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("family", "factor_key", "scope"):
            self.fields[name].required = False


class EmissionSourceViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Emission sources: which factor (by key, within a dataset family) applies to a meter's
    activity, and which scope it counts towards. Contributors create, change and delete them."""

    model = EmissionSource
    serializer_class = EmissionSourceSerializer
    filterset_class = EmissionSourceFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": SourceCreateSerializer,
        "partial_update": SourceUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"destroy": WRITE}

    def get_queryset(self) -> QuerySet[EmissionSource]:
        # A site-limited member sees the sources of the meters they can see.
        meters = Meter.objects.visible_to(self.request.user).values("pk")
        return super().get_queryset().filter(meter__in=meters).select_related("meter")

    def perform_create(self, data: dict[str, Any]) -> EmissionSource:
        source = services.source_create(user=self.request.user, **data)
        return self.get_queryset().get(pk=source.pk)

    def perform_update(self, instance: EmissionSource, data: dict[str, Any]) -> EmissionSource:
        source = services.source_update(source=instance, user=self.request.user, **data)
        return self.get_queryset().get(pk=source.pk)

    def perform_destroy(self, instance: EmissionSource) -> None:
        services.source_delete(source=instance, user=self.request.user)


# --- Contractual instruments ------------------------------------------------------------------


class InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractualInstrument
        fields = [
            "id",
            "organisation",
            "kind",
            "site",
            "supplier",
            "reference",
            "start",
            "end",
            "emission_rate",
            "covered_kwh",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InstrumentWriteFields(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContractualInstrument.Kind.choices)
    site = SiteField(required=False, allow_null=True, help_text="Empty: all sites.")
    supplier = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    start = serializers.DateField()
    end = serializers.DateField()
    emission_rate = serializers.DecimalField(
        max_digits=12, decimal_places=6, help_text="kg CO₂e per kWh (0 for certificates of renewable origin)."
    )
    covered_kwh = serializers.DecimalField(
        max_digits=20,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="For certificates and PPAs: the kWh covered. Empty for a supplier's rate.",
    )


class InstrumentCreateSerializer(InstrumentWriteFields):
    organisation = OrganisationField()


class InstrumentUpdateSerializer(InstrumentWriteFields):
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("kind", "supplier", "start", "end", "emission_rate"):
            self.fields[name].required = False


class ContractualInstrumentViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Contractual instruments for market-based scope 2: supplier rates, energy attribute
    certificates and power purchase agreements. Contributors create, change and delete them."""

    model = ContractualInstrument
    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": InstrumentCreateSerializer,
        "partial_update": InstrumentUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"destroy": WRITE}

    def get_queryset(self) -> QuerySet[ContractualInstrument]:
        return super().get_queryset().select_related("site")

    def perform_create(self, data: dict[str, Any]) -> ContractualInstrument:
        return services.instrument_create(user=self.request.user, **data)

    def perform_update(self, instance: ContractualInstrument, data: dict[str, Any]) -> ContractualInstrument:
        return services.instrument_update(instrument=instance, user=self.request.user, **data)

    def perform_destroy(self, instance: ContractualInstrument) -> None:
        services.instrument_delete(instrument=instance, user=self.request.user)
