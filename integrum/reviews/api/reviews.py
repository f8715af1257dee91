"""`management-reviews/` (ISO 9001/14001 9.3): CRUD, `compile`, `inputs`, `outputs`, `coverage`,
`sign`, `cancel` and `pdf`; `review-inputs/<id>/` takes the minutes and hand-written text."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import decorators, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.actions.models import Action
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    UpdateMixin,
    VersionField,
)
from integrum.core.permissions import MANAGE, WRITE
from integrum.reviews import services
from integrum.reviews.filters import ReviewFilterSet
from integrum.reviews.inputs import BY_KEY
from integrum.reviews.models import ManagementReview, ReviewInput, ReviewOutput
from integrum.standards.models import Standard

MAX_TEXT = 20_000


class ReviewSerializer(serializers.ModelSerializer):
    standards: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ManagementReview
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "standards",
            "scheduled_for",
            "held_on",
            "period_start",
            "period_end",
            "chair",
            "attendees",
            "other_attendees",
            "conclusions",
            "status",
            "compiled_at",
            "signed_at",
            "signed_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReviewInputSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text="The catalogue entry's title.")
    clauses = serializers.SerializerMethodField(
        help_text="The clauses it answers, as [standard, clause] pairs."
    )
    needs_manual = serializers.SerializerMethodField(
        help_text="Needs text written by hand to count as covered."
    )
    compiled = serializers.JSONField(
        read_only=True, help_text="The snapshot: summary lines, tables with columns, rows and links, empty."
    )

    class Meta:
        model = ReviewInput
        fields = [
            "id",
            "organisation",
            "review",
            "key",
            "position",
            "title",
            "clauses",
            "needs_manual",
            "compiled",
            "manual",
            "minutes",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_title(self, item: ReviewInput) -> str:
        spec = BY_KEY.get(item.key)
        return spec.title if spec else item.key

    def get_clauses(self, item: ReviewInput) -> list[list[str]]:
        spec = BY_KEY.get(item.key)
        return [list(pair) for pair in spec.clauses] if spec else []

    def get_needs_manual(self, item: ReviewInput) -> bool:
        spec = BY_KEY.get(item.key)
        return bool(spec and spec.manual)


class OutputSerializer(serializers.ModelSerializer):
    action_reference = serializers.CharField(source="action.reference", read_only=True, default=None)
    action_status = serializers.ChoiceField(
        source="action.status", choices=Action.Status.choices, read_only=True, default=None
    )

    class Meta:
        model = ReviewOutput
        fields = [
            "id",
            "review",
            "kind",
            "decision",
            "input_key",
            "action",
            "action_reference",
            "action_status",
        ]
        read_only_fields = fields


class CoverageSerializer(serializers.Serializer):
    key = serializers.CharField(source="spec.key")
    title = serializers.CharField(source="spec.title")
    clauses = serializers.SerializerMethodField()
    covered = serializers.BooleanField()
    why = serializers.CharField()

    def get_clauses(self, entry: Any) -> list[list[str]]:
        return [list(pair) for pair in entry.spec.clauses]


class ReviewWriteFields(serializers.ModelSerializer):
    standards = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Standard.objects.all(),
        help_text='Codes of the standards reviewed, e.g. ["ISO 9001", "ISO 14001"].',
    )
    chair = MemberField(required=False, allow_null=True)
    attendees = MemberField(many=True, required=False)
    conclusions = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class ReviewCreateSerializer(ReviewWriteFields):
    organisation = OrganisationField()
    period_start = serializers.DateField(
        required=False, allow_null=True, help_text="Empty: the default period."
    )
    period_end = serializers.DateField(required=False, allow_null=True, help_text="Empty: the meeting day.")

    class Meta:
        model = ManagementReview
        fields = [
            "organisation",
            "title",
            "standards",
            "scheduled_for",
            "period_start",
            "period_end",
            "chair",
            "attendees",
            "other_attendees",
        ]


class ReviewUpdateSerializer(ReviewWriteFields):
    version = VersionField()

    class Meta:
        model = ManagementReview
        fields = [
            "title",
            "standards",
            "scheduled_for",
            "held_on",
            "period_start",
            "period_end",
            "chair",
            "attendees",
            "other_attendees",
            "conclusions",
            "version",
        ]


class InputUpdateSerializer(serializers.Serializer):
    minutes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    manual = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    version = VersionField()


class OutputCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReviewOutput.Kind.choices)
    decision = serializers.CharField(max_length=4000)
    input_key = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    owner = MemberField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Action.Priority.choices, default=Action.Priority.MEDIUM)


class ReviewSignSerializer(serializers.Serializer):
    password = serializers.CharField(help_text="The signer's password.", style={"input_type": "password"})


class ReviewCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ManagementReviewViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Management reviews of your organisations (9.3).

    Contributors plan, edit, compile and minute them and record decisions (each raises an action);
    the chair or a manager signs; managers cancel and delete (planned ones only).
    """

    model = ManagementReview
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ReviewCreateSerializer,
        "partial_update": ReviewUpdateSerializer,
        "outputs": OutputCreateSerializer,
        "sign": ReviewSignSerializer,
        "cancel": ReviewCancelSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "compile": WRITE,
        "outputs": WRITE,
        "sign": WRITE,
        "cancel": MANAGE,
    }

    def get_queryset(self) -> QuerySet[ManagementReview]:
        return super().get_queryset().prefetch_related("standards", "attendees")

    def fresh(self, review: ManagementReview) -> ManagementReview:
        return self.get_queryset().get(pk=review.pk)

    def perform_create(self, data: dict[str, Any]) -> ManagementReview:
        return self.fresh(services.review_create(**data))

    def perform_update(self, instance: ManagementReview, data: dict[str, Any]) -> ManagementReview:
        return self.fresh(services.review_update(review=instance, **data))

    def perform_destroy(self, instance: ManagementReview) -> None:
        services.review_delete(review=instance)

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"])
    def compile(self, request: Request, pk: str | None = None) -> Response:
        """Compile (or refresh) every input from live data; minutes and hand-written text are kept."""
        review = self.get_object()
        services.review_compile(review=review)
        return self.respond(self.fresh(review))

    @extend_schema(responses={200: ReviewInputSerializer(many=True)})
    @decorators.action(detail=True, methods=["get"])
    def inputs(self, request: Request, pk: str | None = None) -> Response:
        """The review's inputs with their compiled snapshots, minutes and hand-written text."""
        review = self.get_object()
        return Response(ReviewInputSerializer(review.inputs.all(), many=True).data)

    @extend_schema(responses={201: OutputSerializer})
    @decorators.action(detail=True, methods=["post"])
    def outputs(self, request: Request, pk: str | None = None) -> Response:
        """Record a decision; its action is raised in the tracker with the decision as its source."""
        review = self.get_object()
        data = self.validated_input()
        output = services.output_create(review=review, created_by=request.user, **data)  # type: ignore[arg-type]
        return Response(OutputSerializer(output).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CoverageSerializer(many=True)})
    @decorators.action(detail=True, methods=["get"])
    def coverage(self, request: Request, pk: str | None = None) -> Response:
        """Each required input of the review's standards and whether it was discussed and minuted."""
        review = self.get_object()
        return Response(CoverageSerializer(services.coverage(review), many=True).data)

    @decorators.action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """The chair or a manager signs with their password; the record is then closed."""
        review = self.get_object()
        data = self.validated_input()
        services.review_sign(review=review, user=request.user, password=data["password"])  # type: ignore[arg-type]
        return self.respond(self.fresh(review))

    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a planned or compiled review, with the reason."""
        review = self.get_object()
        data = self.validated_input()
        services.review_cancel(review=review, reason=data["reason"])
        return self.respond(self.fresh(review))

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The record as PDF.")
        }
    )
    @decorators.action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The whole record as PDF: coverage, inputs, minutes, decisions, conclusions and signature."""
        from integrum.reviews.views import review_pdf

        review = self.get_object()
        return review_pdf(
            ManagementReview.objects.select_related("chair", "signed_by").get(pk=review.pk), request
        )


class ReviewInputViewSet(UpdateMixin):
    """One input of a review: PATCH `minutes` and `manual` (text written by hand) with `version`."""

    model = ReviewInput
    serializer_class = ReviewInputSerializer
    filterset_class = None
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "partial_update": InputUpdateSerializer
    }

    def get_queryset(self) -> QuerySet[ReviewInput]:
        return super().get_queryset().select_related("review").order_by("review", "position")

    def perform_update(self, instance: ReviewInput, data: dict[str, Any]) -> ReviewInput:
        return services.input_update(review_input=instance, **data)
