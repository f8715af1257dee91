"""`readings/` (one reading, or up to 50,000 at once with `bulk/`), `reading-batches/` (files
checked and committed in the background) and `monthly-totals/` (ISO 14001 9.1.1)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import decorators, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import CreateMixin, OrganisationField, OrganisationOwnedViewSet
from integrum.core.api_policy import require_role
from integrum.core.permissions import MANAGE, WRITE
from integrum.measurement import readings, services
from integrum.measurement.api.meters import MeterField
from integrum.measurement.filters import BatchFilterSet, MonthlyTotalFilterSet, ReadingFilterSet
from integrum.measurement.models import MonthlyTotal, Quality, Reading, ReadingBatch

# --- Readings ------------------------------------------------------------------------------------


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = [
            "id",
            "organisation",
            "meter",
            "batch",
            "start",
            "end",
            "quantity",
            "register",
            "quality",
            "is_outlier",
        ]
        read_only_fields = fields


class ReadingCreateSerializer(serializers.Serializer):
    meter = MeterField()
    value = serializers.DecimalField(
        max_digits=30, decimal_places=12, help_text="The amount used, or for a register meter the index read."
    )
    unit = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="Default: the meter's unit."
    )
    timestamp = serializers.DateTimeField(
        required=False, allow_null=True, help_text="For register reads and interval meters."
    )
    start = serializers.DateTimeField(required=False, allow_null=True, help_text="For any other reading.")
    end = serializers.DateTimeField(
        required=False, allow_null=True, help_text="The end of the period, excluded."
    )
    quality = serializers.ChoiceField(choices=Quality.choices, required=False, default=Quality.MEASURED)


class BulkReadingSerializer(serializers.Serializer):
    """One reading of a bulk request (documentation: the rows are checked by the reading pipeline)."""

    meter = serializers.CharField(help_text="The meter's code, or its id as a number.")
    timestamp = serializers.CharField(
        required=False, help_text="ISO 8601, for register reads and interval meters."
    )
    start = serializers.CharField(required=False, help_text="ISO 8601, for any other reading.")
    end = serializers.CharField(required=False, help_text="ISO 8601, the end of the period, excluded.")
    value = serializers.CharField(help_text="A number, as a JSON number or a string.")
    unit = serializers.CharField(required=False, help_text="Default: the meter's unit.")
    quality = serializers.ChoiceField(choices=Quality.choices, required=False)


class BulkSerializer(serializers.Serializer):
    organisation = OrganisationField()
    readings = BulkReadingSerializer(many=True, help_text=f"At most {services.MAX_BULK_ROWS:,} readings.")
    dry_run = serializers.BooleanField(default=False, help_text="Only check; write nothing.")


class BulkOptionsSerializer(serializers.Serializer):
    """What the bulk action validates itself; the rows go to the pipeline as they are."""

    organisation = OrganisationField()
    dry_run = serializers.BooleanField(default=False)


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row of the file (or the index in a bulk request).")
    column = serializers.CharField(required=False)
    message = serializers.CharField()


class CommitResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(allow_null=True, help_text="The batch committed; null on a dry run.")
    dry_run = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="Readings checked.")
    committed = serializers.IntegerField(help_text="Readings stored (0 on a dry run).")
    warning_count = serializers.IntegerField()
    warnings = ProblemSerializer(many=True, help_text="The first warnings (outliers, opening reads).")
    message = serializers.CharField()


def _result(result: readings.CheckResult, batch: ReadingBatch | None, dry_run: bool) -> dict[str, Any]:
    return {
        "batch": batch.pk if batch is not None else None,
        "dry_run": dry_run,
        "checked": result.total,
        "committed": len(result.readings) if batch is not None else 0,
        "warning_count": result.warning_count,
        "warnings": result.warnings,
        "message": result.summary("committed" if batch is not None else "checked"),
    }


class ReadingViewSet(CreateMixin):
    """Readings of the meters you can see, in each meter's unit, times in UTC. A reading is
    checked like any import (unit, overlaps, register going down) and committed as a batch of one;
    `bulk/` takes up to 50,000 readings, all or nothing. Errors name the row:
    `readings.<index>.<field>`."""

    model = Reading
    serializer_class = ReadingSerializer
    filterset_class = ReadingFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ReadingCreateSerializer,
        "bulk": BulkSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"bulk": WRITE}

    def get_queryset(self) -> QuerySet[Reading]:
        return Reading.objects.visible_to(self.request.user)

    @extend_schema(responses={201: CommitResultSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        meter = data.pop("meter")
        require_role(request, meter.organisation_id, WRITE)
        batch = services.readings_enter(
            organisation=meter.organisation,
            user=request.user,  # type: ignore[arg-type]
            meter=meter,
            **data,
        )
        body = {
            "batch": batch.pk,
            "dry_run": False,
            "checked": batch.total_rows,
            "committed": batch.committed_rows,
            "warning_count": batch.warning_count,
            "warnings": batch.warnings,
            "message": batch.message,
        }
        return Response(CommitResultSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CommitResultSerializer, 201: CommitResultSerializer})
    @decorators.action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Check up to 50,000 readings and commit them all, or none (`dry_run`: only check).
        201 with the counts when committed, 200 on a dry run, 400 with every row's errors."""
        options = BulkOptionsSerializer(data=request.data, context=self.get_serializer_context())
        options.is_valid(raise_exception=True)
        organisation = options.validated_data["organisation"]
        dry_run = options.validated_data["dry_run"]
        require_role(request, organisation.pk, WRITE)
        result, batch = services.readings_bulk(
            organisation=organisation,
            user=request.user,  # type: ignore[arg-type]
            items=request.data.get("readings"),  # type: ignore[arg-type]  # the service checks it
            dry_run=dry_run,
        )
        body = CommitResultSerializer(_result(result, batch, dry_run)).data
        return Response(body, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)


# --- Batches -------------------------------------------------------------------------------------


class ReadingBatchSerializer(serializers.ModelSerializer):
    percent_done = serializers.IntegerField(read_only=True, help_text="Rows checked so far, in percent.")
    # DRF's metaclass takes declared fields out of the class body: `Serializer.errors` stays.
    errors = ProblemSerializer(  # type: ignore[assignment]
        many=True, read_only=True, help_text="The first errors; error_count says how many."
    )
    warnings = ProblemSerializer(many=True, read_only=True)

    class Meta:
        model = ReadingBatch
        fields = [
            "id",
            "organisation",
            "source",
            "status",
            "file_name",
            "commit_when_valid",
            "total_rows",
            "processed_rows",
            "percent_done",
            "committed_rows",
            "error_count",
            "errors",
            "warning_count",
            "warnings",
            "message",
            "meters",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class BatchUploadSerializer(serializers.Serializer):
    organisation = OrganisationField()
    file = serializers.FileField(help_text="A CSV or XLSX file of readings.")
    commit_when_valid = serializers.BooleanField(
        default=False, help_text="Commit straight after a clean check instead of stopping at the dry run."
    )


class ReadingBatchViewSet(CreateMixin):
    """Readings sent together. POST a CSV or XLSX file (multipart) to have it checked in the
    background; follow `status` and `processed_rows`. A checked batch is committed with `commit`
    (checked again first); a committed one is taken out again with `revert` (managers)."""

    model = ReadingBatch
    serializer_class = ReadingBatchSerializer
    filterset_class = BatchFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": BatchUploadSerializer
    }
    required_roles: ClassVar[dict[str, str]] = {"commit": WRITE, "revert": MANAGE}

    def get_queryset(self) -> QuerySet[ReadingBatch]:
        return super().get_queryset().prefetch_related("meters")

    def perform_create(self, data: dict[str, Any]) -> ReadingBatch:
        upload = data["file"]
        batch = services.batch_start(
            organisation=data["organisation"],
            user=self.request.user,  # type: ignore[arg-type]
            name=upload.name,
            data=upload,
            commit_when_valid=data["commit_when_valid"],
        )
        return self.get_queryset().get(pk=batch.pk)

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Commit a checked batch, in the background; it is checked again first."""
        batch = services.batch_commit(batch=self.get_object(), user=request.user)  # type: ignore[arg-type]
        return self.respond(self.get_queryset().get(pk=batch.pk))

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str | None = None) -> Response:
        """Take a committed batch's readings out again, and out of the monthly totals."""
        batch = services.batch_revert(batch=self.get_object())
        return self.respond(self.get_queryset().get(pk=batch.pk))


# --- Monthly totals ------------------------------------------------------------------------------


class MonthlyTotalSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="meter.unit", read_only=True, help_text="The meter's unit.")
    kind = serializers.CharField(source="meter.kind", read_only=True, help_text="The meter's kind.")

    class Meta:
        model = MonthlyTotal
        fields = [
            "id",
            "organisation",
            "site",
            "meter",
            "kind",
            "month",
            "quantity",
            "unit",
            "estimated_quantity",
            "invoiced_quantity",
            "reading_count",
        ]
        read_only_fields = fields


class MonthlyTotalViewSet(OrganisationOwnedViewSet):
    """Each meter's readings apportioned to calendar months, kept up to date as readings are
    committed or taken out: what reports and the GHG inventory read."""

    model = MonthlyTotal
    serializer_class = MonthlyTotalSerializer
    filterset_class = MonthlyTotalFilterSet

    def get_queryset(self) -> QuerySet[MonthlyTotal]:
        return super().get_queryset().select_related("meter")
