"""`kpis/` (with `values`: the series, and entering a value) and `kpi-values/` (ISO 9001/14001 9.1.1)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import decorators, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.api_policy import require_role
from integrum.core.permissions import WRITE
from integrum.measurement.models import Meter, Quality
from integrum.performance import services
from integrum.performance.api.fields import MAX_TEXT, VisibleField, amount_field, standards_field
from integrum.performance.filters import KpiFilterSet, KpiValueFilterSet
from integrum.performance.models import Kpi, KpiValue
from integrum.performance.periods import parse_period, period_key
from integrum.performance.selectors import (
    Latest,
    Series,
    default_window,
    kpi_series,
    latest_values,
    member_sites,
)

# --- KPIs ------------------------------------------------------------------------------------


class PointSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="The period's first day.")
    label = serializers.CharField(help_text="Mar 2025, Q1 2025 or 2025.")  # type: ignore[assignment]
    value = amount_field(allow_null=True, help_text="None: no value for the period.")
    quality = serializers.ChoiceField(choices=[("", "—"), *Quality.choices], allow_blank=True)
    sites = serializers.IntegerField(
        help_text="How many sites the value is made of; 0: a value for the whole KPI."
    )


class LatestSerializer(serializers.Serializer):
    period = serializers.DateField(source="point.period")
    label = serializers.CharField(source="point.label")  # type: ignore[assignment]
    value = amount_field(source="point.value")
    quality = serializers.CharField(source="point.quality")
    rag = serializers.ChoiceField(
        choices=[("", "no target"), ("green", "green"), ("amber", "amber"), ("red", "red")],
        allow_blank=True,
        help_text="green: meets the target; red: beyond the warning threshold; amber: between.",
    )


class SeriesSerializer(serializers.Serializer):
    kpi = serializers.IntegerField(source="kpi.pk")
    reference = serializers.CharField(source="kpi.reference")
    unit = serializers.CharField(source="kpi.unit")
    frequency = serializers.CharField(source="kpi.frequency")
    points = PointSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class KpiSerializer(serializers.ModelSerializer):
    standards: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    latest = serializers.SerializerMethodField(help_text="The latest value in the last three years, if any.")

    class Meta:
        model = Kpi
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "name",
            "description",
            "standards",
            "unit",
            "direction",
            "target",
            "warning_threshold",
            "frequency",
            "normalisation",
            "roll_up",
            "source",
            "meter_kind",
            "emissions_basis",
            "sites",
            "baseline_year",
            "baseline_value",
            "owner",
            "is_active",
            "latest",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LatestSerializer(allow_null=True))
    def get_latest(self, kpi: Kpi) -> dict[str, Any] | None:
        latest: Latest | None = self.context.get("latest", {}).get(kpi.pk)
        if latest is None or latest.point is None:
            return None
        return dict(LatestSerializer(latest).data)


class KpiWriteFields(serializers.ModelSerializer):
    standards = standards_field()
    owner = MemberField(required=False, allow_null=True)
    sites = SiteField(many=True, required=False, help_text="Ids of the sites it covers; empty: all sites.")
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    meter_kind = serializers.ChoiceField(
        choices=Meter.Kind.choices, required=False, allow_blank=True, help_text="For source=meters."
    )
    target = amount_field(required=False, allow_null=True)
    warning_threshold = amount_field(required=False, allow_null=True)
    baseline_value = amount_field(required=False, allow_null=True)
    baseline_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)


KPI_WRITE_FIELDS = [
    "name",
    "description",
    "standards",
    "unit",
    "direction",
    "target",
    "warning_threshold",
    "frequency",
    "normalisation",
    "roll_up",
    "source",
    "meter_kind",
    "emissions_basis",
    "sites",
    "baseline_year",
    "baseline_value",
    "owner",
    "is_active",
]


class KpiCreateSerializer(KpiWriteFields):
    organisation = OrganisationField()

    class Meta:
        model = Kpi
        fields = ["organisation", *KPI_WRITE_FIELDS]


class KpiUpdateSerializer(KpiWriteFields):
    version = VersionField()

    class Meta:
        model = Kpi
        fields = [*KPI_WRITE_FIELDS, "version"]


class ValueInputSerializer(serializers.Serializer):
    period = serializers.CharField(
        max_length=20,
        help_text="2025-03 (monthly), 2025-Q1 (quarterly), 2025 (yearly), or any date in the period.",
    )
    value = amount_field()
    site = SiteField(
        required=False, allow_null=True, default=None, help_text="Empty: a value for the whole KPI."
    )
    quality = serializers.ChoiceField(choices=Quality.choices, default=Quality.MEASURED)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="To replace the value already there for the period and site: the version you read.",
    )


class KpiValueSerializer(serializers.ModelSerializer):
    period_label = serializers.SerializerMethodField()

    class Meta:
        model = KpiValue
        fields = [
            "id",
            "organisation",
            "kpi",
            "site",
            "period",
            "period_label",
            "value",
            "quality",
            "origin",
            "note",
            "entered_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_period_label(self, value: KpiValue) -> str:
        return period_key(value.period, value.kpi.frequency)


def latest_by_kpi(user: Any, kpis: list[Kpi]) -> dict[int, Latest]:
    """Latest values of KPIs of possibly several organisations, each narrowed to the user's sites there."""
    by_organisation: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        by_organisation[kpi.organisation_id].append(kpi)
    found: dict[int, Latest] = {}
    for organisation_id, group in by_organisation.items():
        found.update(latest_values(group, sites=member_sites(user, organisation_id)))
    return found


def _record(kpi: Kpi, data: dict[str, Any], user: Any) -> KpiValue:
    try:
        period = parse_period(data["period"], kpi.frequency)
    except ValidationError as error:
        raise ValidationError({"period": error.messages}) from None
    return services.kpi_value_record(
        kpi=kpi,
        period=period,
        value=data["value"],
        site=data.get("site"),
        quality=data.get("quality", Quality.MEASURED),
        note=data.get("note", ""),
        version=data.get("version"),
        user=user,
    )


class KpiViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Key performance indicators of your organisations (9.1.1).

    Contributors define and edit them; managers delete them. `values` gives a KPI's series (GET)
    or enters a value of a KPI entered by hand (POST).
    """

    model = Kpi
    serializer_class = KpiSerializer
    filterset_class = KpiFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": KpiCreateSerializer,
        "partial_update": KpiUpdateSerializer,
        "values": ValueInputSerializer,
    }

    def get_queryset(self) -> QuerySet[Kpi]:
        return super().get_queryset().prefetch_related("standards", "sites")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page or [])
        context = {**self.get_serializer_context(), "latest": latest_by_kpi(request.user, rows)}
        return self.get_paginated_response(KpiSerializer(rows, many=True, context=context).data)

    def respond(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        context = {**self.get_serializer_context(), "latest": latest_by_kpi(self.request.user, [instance])}
        return Response(KpiSerializer(instance, context=context).data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())

    def perform_create(self, data: dict[str, Any]) -> Kpi:
        kpi = services.kpi_create(**data)
        return self.get_queryset().get(pk=kpi.pk)

    def perform_update(self, instance: Kpi, data: dict[str, Any]) -> Kpi:
        kpi = services.kpi_update(kpi=instance, **data)
        return self.get_queryset().get(pk=kpi.pk)

    def perform_destroy(self, instance: Kpi) -> None:
        services.kpi_delete(kpi=instance)

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.STR, description="First period, e.g. 2024-01; default: two years back."
            ),
            OpenApiParameter("to", OpenApiTypes.STR, description="Last period; default: the current one."),
            OpenApiParameter("site", OpenApiTypes.INT, description="Only this site's figures."),
        ],
        responses={200: SeriesSerializer},
    )
    @extend_schema(methods=["POST"], request=ValueInputSerializer, responses={201: KpiValueSerializer})
    @decorators.action(detail=True, methods=["get", "post"])
    def values(self, request: Request, pk: str | None = None) -> Response:
        """GET the KPI's series (one point per period); POST a value of a KPI entered by hand."""
        kpi = self.get_object()
        if request.method == "POST":
            data = self.validated_input()
            value = _record(kpi, data, request.user)
            return Response(KpiValueSerializer(value, context=self.get_serializer_context()).data, status=201)
        return Response(SeriesSerializer(self._series(kpi, request)).data)

    def _series(self, kpi: Kpi, request: Request) -> Series:
        start, end = default_window(kpi)
        errors = {}
        for name in ("from", "to"):
            raw = request.query_params.get(name, "")
            if not raw:
                continue
            try:
                parsed = parse_period(raw, kpi.frequency)
            except ValidationError as error:
                errors[name] = error.messages
                continue
            start, end = (parsed, end) if name == "from" else (start, parsed)
        sites = member_sites(request.user, kpi.organisation_id)
        raw_site = request.query_params.get("site", "")
        if raw_site:
            if not raw_site.isdigit() or (sites is not None and int(raw_site) not in sites):
                errors["site"] = ["Give the id of a site you work on."]
            else:
                sites = [int(raw_site)]
        if errors:
            raise serializers.ValidationError(errors)
        if end < start:
            raise serializers.ValidationError({"to": ["The last period comes before the first."]})
        return kpi_series(kpi, start=start, end=end, sites=sites)


# --- Values ----------------------------------------------------------------------------------


class KpiValueCreateSerializer(ValueInputSerializer):
    kpi = VisibleField(Kpi, help_text="Id of a KPI entered by hand.")


class KpiValueUpdateSerializer(serializers.Serializer):
    value = amount_field(required=False)
    quality = serializers.ChoiceField(choices=Quality.choices, required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    version = VersionField()


class KpiValueViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Values of KPIs entered by hand: one per KPI, site (or none: the whole KPI) and period.

    Contributors enter and correct them; managers delete them. Site-limited members see and
    enter values of their own sites.
    """

    model = KpiValue
    serializer_class = KpiValueSerializer
    filterset_class = KpiValueFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": KpiValueCreateSerializer,
        "partial_update": KpiValueUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[KpiValue]:
        return super().get_queryset().select_related("kpi", "site")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        kpi = data.pop("kpi")
        require_role(request, kpi.organisation_id, WRITE)
        value = _record(kpi, data, request.user)
        return self.respond(value, status.HTTP_201_CREATED)

    def perform_update(self, instance: KpiValue, data: dict[str, Any]) -> KpiValue:
        return services.kpi_value_update(kpi_value=instance, user=self.request.user, **data)  # type: ignore[arg-type]

    def perform_destroy(self, instance: KpiValue) -> None:
        services.kpi_value_delete(kpi_value=instance)
