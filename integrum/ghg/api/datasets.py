"""`/api/v1/factor-datasets/`: the emission-factor datasets and their factors.

Datasets are public reference data: every signed-in user reads them, whatever organisation they
belong to. Importing a new edition (POST, multipart `file`) is for staff only, through the same
service as the page and the command line.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import ApiViewSet
from integrum.core.files import check_upload
from integrum.core.permissions import READ
from integrum.ghg import factors as service
from integrum.ghg.models import EmissionFactor, FactorDataset, Gas, Scope


class FactorDatasetSerializer(serializers.ModelSerializer):
    imported_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = FactorDataset
        fields = [
            "id",
            "identifier",
            "name",
            "publisher",
            "family",
            "edition",
            "version",
            "format",
            "gwp_set",
            "gases_in_co2e",
            "licence",
            "attribution",
            "source_url",
            "file_name",
            "sha256",
            "factor_count",
            "imported_at",
        ]
        read_only_fields = fields


class EmissionFactorSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(
        max_digits=24,
        decimal_places=10,
        normalize_output=True,
        read_only=True,
        help_text="As published, in `value_unit` per one `unit` of activity.",
    )

    class Meta:
        model = EmissionFactor
        fields = [
            "id",
            "external_id",
            "key",
            "scope",
            "category",
            "activity",
            "unit",
            "ghg",
            "value",
            "value_unit",
        ]
        read_only_fields = fields


class DatasetImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The publisher's workbook (.xlsx), unchanged.")


class FactorDatasetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """Emission-factor datasets, one per edition of a publisher's factors, never edited.

    POST imports a workbook (multipart, field `file`): staff only.
    """

    serializer_class = FactorDatasetSerializer
    filter_backends = []
    parser_classes = [MultiPartParser, FormParser]
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": DatasetImportSerializer
    }
    # Reading is open to every signed-in user; the import checks is_staff itself.
    required_roles: ClassVar[dict[str, str]] = {"create": READ}

    def get_queryset(self) -> QuerySet[FactorDataset]:
        return service.datasets().order_by("family", "-edition", "-version", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.is_staff:
            raise exceptions.PermissionDenied(
                "Only the installation's staff import emission-factor datasets."
            )
        upload = self.validated_input()["file"]
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            raise exceptions.ValidationError({"file": error.messages}) from error
        dataset = service.dataset_import(name=checked.name, data=upload.read(), user=request.user)
        return self.respond(dataset, status.HTTP_201_CREATED)

    @extend_schema(
        responses=EmissionFactorSerializer(many=True),
        parameters=[
            OpenApiParameter("key", str, description="Only this activity key, e.g. 1_100_1004_6."),
            OpenApiParameter(
                "scope", int, enum=Scope.values, description="Only this scope (0: outside of scopes)."
            ),
            OpenApiParameter("ghg", str, enum=Gas.values, description="Only this gas."),
            OpenApiParameter("q", str, description="Words found in the activity, category, unit, key or ID."),
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=EmissionFactorSerializer)
    def factors(self, request: Request, pk: str | None = None) -> Response:
        """The dataset's factors in the workbook's order, filtered by `key`, `scope`, `ghg` or `q` (text)."""
        dataset = self.get_object()
        filterset = service.EmissionFactorFilterSet(
            request.query_params, queryset=service.factors_of(dataset), request=request
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(EmissionFactorSerializer(page, many=True).data)
