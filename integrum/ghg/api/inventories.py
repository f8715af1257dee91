"""`/api/v1/ghg-inventories/`: GHG inventories by reporting year, their life cycle (`recalculate`,
`close`, `restate`) and their results (`results`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import decorators, exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import CreateMixin, OrganisationField, UpdateMixin, VersionField
from integrum.core.permissions import MANAGE, WRITE
from integrum.ghg import services
from integrum.ghg.filters import InventoryFilterSet, InventoryResultFilterSet
from integrum.ghg.models import FactorDataset, Gas, GwpSet, Inventory, InventoryResult, Restatement, Scope

MAX_TEXT = 10_000


def _kg(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.000001")))


class TotalsSerializer(serializers.Serializer):
    """Headline totals in kg CO₂e; scope 2 both ways, as the GHG Protocol asks."""

    scope_1 = serializers.DecimalField(max_digits=24, decimal_places=6)
    scope_2_location = serializers.DecimalField(max_digits=24, decimal_places=6)
    scope_2_market = serializers.DecimalField(max_digits=24, decimal_places=6)
    scope_3 = serializers.DecimalField(max_digits=24, decimal_places=6)
    total_location = serializers.DecimalField(max_digits=24, decimal_places=6)
    total_market = serializers.DecimalField(max_digits=24, decimal_places=6)


class RestatementSerializer(serializers.ModelSerializer):
    previous_dataset_identifier = serializers.CharField(source="previous_dataset.identifier", read_only=True)
    new_dataset_identifier = serializers.CharField(source="new_dataset.identifier", read_only=True)
    totals_before = TotalsSerializer(read_only=True, help_text="kg CO₂e of the whole organisation before.")
    totals_after = TotalsSerializer(read_only=True, help_text="kg CO₂e of the whole organisation after.")

    class Meta:
        model = Restatement
        fields = [
            "id",
            "previous_dataset",
            "previous_dataset_identifier",
            "new_dataset",
            "new_dataset_identifier",
            "previous_gwp_set",
            "new_gwp_set",
            "reason",
            "totals_before",
            "totals_after",
            "restated_by",
            "created_at",
        ]
        read_only_fields = fields


class InventorySerializer(serializers.ModelSerializer):
    dataset_identifier = serializers.CharField(source="dataset.identifier", read_only=True)
    dataset_licence = serializers.CharField(source="dataset.licence", read_only=True)
    dataset_attribution = serializers.CharField(
        source="dataset.attribution", read_only=True, help_text="To be shown wherever these figures are used."
    )
    totals = serializers.SerializerMethodField(
        help_text="kg CO₂e; for a member limited to some sites, of those sites only."
    )
    problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    restatements = RestatementSerializer(many=True, read_only=True)

    class Meta:
        model = Inventory
        fields = [
            "id",
            "organisation",
            "year",
            "dataset",
            "dataset_identifier",
            "dataset_licence",
            "dataset_attribution",
            "gwp_set",
            "residual_mix_factor",
            "status",
            "calculated_at",
            "closed_at",
            "closed_by",
            "changed_since_close",
            "problems",
            "notes",
            "totals",
            "restatements",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, inventory: Inventory) -> dict[str, str]:
        totals = getattr(inventory, "totals_kg", None)
        if totals is None:  # a single record read outside the list
            results = InventoryResult.objects.visible_to(self.context["request"].user)
            totals = services.totals_by_inventory(results, [inventory.pk])[inventory.pk]
        return {key: _kg(value) for key, value in totals.items()}


@extend_schema_field(OpenApiTypes.INT)
class DatasetIdField(serializers.PrimaryKeyRelatedField):
    """Any imported factor dataset (they are public reference data)."""

    default_error_messages = {"does_not_exist": "There is no factor dataset with id {pk_value}."}

    def get_queryset(self) -> QuerySet[FactorDataset]:
        return FactorDataset.objects.all()


GWP_HELP = "Empty or left out: the dataset's own GWP set."


class InventoryCreateSerializer(serializers.Serializer):
    organisation = OrganisationField()
    year = serializers.IntegerField(min_value=services.FIRST_YEAR, max_value=services.LAST_YEAR)
    dataset = DatasetIdField()
    gwp_set = serializers.ChoiceField(
        choices=GwpSet.choices, required=False, allow_blank=True, default="", help_text=GWP_HELP
    )
    residual_mix_factor = serializers.DecimalField(
        max_digits=12, decimal_places=6, min_value=Decimal(0), required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")


class InventoryUpdateSerializer(serializers.Serializer):
    dataset = DatasetIdField(required=False)
    gwp_set = serializers.ChoiceField(
        choices=GwpSet.choices, required=False, allow_blank=True, help_text=GWP_HELP
    )
    residual_mix_factor = serializers.DecimalField(
        max_digits=12, decimal_places=6, min_value=Decimal(0), required=False, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    version = VersionField()


class RestateSerializer(serializers.Serializer):
    dataset = DatasetIdField(help_text="The dataset to recalculate the closed year with.")
    gwp_set = serializers.ChoiceField(
        choices=GwpSet.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Empty: keep the current one.",
    )
    reason = serializers.CharField(max_length=5000, help_text="Why the published figures change.")


class InventoryResultSerializer(serializers.ModelSerializer):
    site_code = serializers.CharField(source="site.code", read_only=True)
    factor_external_id = serializers.CharField(
        source="factor.external_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The publisher's id of the factor row; empty for contractual instruments and the residual mix.",
    )
    factor_value = serializers.DecimalField(
        source="factor.value", max_digits=24, decimal_places=10, read_only=True, allow_null=True, default=None
    )
    dataset_identifier = serializers.CharField(source="dataset.identifier", read_only=True)

    class Meta:
        model = InventoryResult
        fields = [
            "id",
            "inventory",
            "site",
            "site_code",
            "source",
            "month",
            "scope",
            "scope3_category",
            "method",
            "ghg",
            "activity_quantity",
            "activity_unit",
            "factor",
            "factor_external_id",
            "factor_value",
            "instrument",
            "dataset",
            "dataset_identifier",
            "gas_kg",
            "co2e_kg",
        ]
        read_only_fields = fields


RESULT_PARAMETERS = [
    OpenApiParameter(
        "scope", int, enum=[choice.value for choice in Scope], description="Scope (0 is outside of scopes)."
    ),
    OpenApiParameter("scope3_category", int, description="Scope 3 category, 1 to 15."),
    OpenApiParameter(
        "method",
        str,
        enum=["location", "market", "none"],
        description="Scope 2 method; `none` for results that are not scope 2 electricity or heat.",
    ),
    OpenApiParameter("site", int, description="Id of a site."),
    OpenApiParameter("month", str, description="A month as YYYY-MM."),
    OpenApiParameter("ghg", str, enum=Gas.values, description="The gas."),
    OpenApiParameter("source", int, description="Id of an emission source."),
]


class InventoryViewSet(CreateMixin, UpdateMixin):
    """GHG inventories (GHG Protocol corporate standard; ISO 14001 9.1.1), one per organisation and
    year. Open ones follow the data; `close` makes the figures final (managers), `restate` applies
    another dataset or GWP set to a closed one with a reason (managers)."""

    model = Inventory
    serializer_class = InventorySerializer
    filterset_class = InventoryFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": InventoryCreateSerializer,
        "partial_update": InventoryUpdateSerializer,
        "restate": RestateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "recalculate": WRITE,
        "close": MANAGE,
        "restate": MANAGE,
    }

    def get_queryset(self) -> QuerySet[Inventory]:
        return (
            super()
            .get_queryset()
            .select_related("dataset")
            .prefetch_related(
                Prefetch(
                    "restatements",
                    queryset=Restatement.objects.select_related("previous_dataset", "new_dataset"),
                )
            )
        )

    def paginate_queryset(self, queryset: QuerySet[Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            # The totals of the whole page in one query rather than one per inventory.
            totals = services.totals_by_inventory(
                InventoryResult.objects.visible_to(self.request.user), [inventory.pk for inventory in page]
            )
            for inventory in page:
                inventory.totals_kg = totals[inventory.pk]
        return page

    def reread(self, inventory: Inventory) -> Inventory:
        return self.get_queryset().get(pk=inventory.pk)

    def perform_create(self, data: dict[str, Any]) -> Inventory:
        return self.reread(services.inventory_create(**data))

    def perform_update(self, instance: Inventory, data: dict[str, Any]) -> Inventory:
        if "gwp_set" in data and not data["gwp_set"]:
            data["gwp_set"] = data.get("dataset", instance.dataset).gwp_set
        return self.reread(services.inventory_update(instance, **data))

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"])
    def recalculate(self, request: Request, pk: str | None = None) -> Response:
        """Recalculate an open inventory from the current data, sources and instruments."""
        inventory = self.get_object()
        services.inventory_recalculate(inventory)
        return self.respond(self.reread(inventory))

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Recalculate one last time and make the figures final (managers)."""
        inventory = self.get_object()
        services.inventory_close(inventory, user=request.user)
        return self.respond(self.reread(inventory))

    @decorators.action(detail=True, methods=["post"])
    def restate(self, request: Request, pk: str | None = None) -> Response:
        """Recalculate a closed inventory with another dataset or GWP set, keeping the totals
        before and after and the reason (managers)."""
        inventory = self.get_object()
        data = self.validated_input()
        services.inventory_restate(inventory, user=request.user, **data)
        return self.respond(self.reread(inventory))

    @extend_schema(
        parameters=RESULT_PARAMETERS, responses=InventoryResultSerializer(many=True), filters=False
    )
    @decorators.action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """The inventory's results: one row per source, month, gas and (for scope 2) method, with
        the factor and dataset that produced it. A site-limited member gets their sites' rows."""
        inventory = self.get_object()
        queryset = (
            InventoryResult.objects.visible_to(request.user)
            .filter(inventory=inventory)
            .select_related("site", "factor", "dataset")
            .order_by("month", "scope", "source_id", "method", "ghg", "pk")
        )
        filterset = InventoryResultFilterSet(request.query_params, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(InventoryResultSerializer(page, many=True).data)
