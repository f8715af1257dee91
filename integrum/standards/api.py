"""The standards library, read-only for every signed-in user: it is reference data, not records."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers

from integrum.core.api import ApiViewSet
from integrum.standards.filters import ClauseFilterSet, CorrespondenceFilterSet
from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Standard


class StandardSerializer(serializers.ModelSerializer):
    key = serializers.CharField(read_only=True, help_text="Edition-qualified name, e.g. ISO 9001:2015.")
    full_name = serializers.CharField(read_only=True, help_text="The key with its amendments.")
    amendments = serializers.ListField(child=serializers.CharField(), read_only=True)
    clause_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Standard
        fields = [
            "id",
            "key",
            "code",
            "edition",
            "title",
            "discipline",
            "amendments",
            "full_name",
            "clause_count",
            "data_digest",
        ]
        read_only_fields = fields


class MandatoryDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MandatoryDocument
        fields = ["kind", "description"]
        read_only_fields = fields


class ClauseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(
        read_only=True, help_text="Standard and number, e.g. ISO 9001:2015/8.2.1."
    )
    audit_questions = serializers.ListField(child=serializers.CharField(), read_only=True)
    mandatory_documented_information = MandatoryDocumentSerializer(
        source="mandatory_documents", many=True, read_only=True
    )

    class Meta:
        model = Clause
        fields = [
            "id",
            "reference",
            "standard",
            "number",
            "title",
            "untitled",
            "parent",
            "pdca",
            "summary",
            "audit_questions",
            "exclusion_allowed",
            "is_leaf",
            "mandatory_documented_information",
        ]
        read_only_fields = fields


class CorrespondenceSerializer(serializers.ModelSerializer):
    from_reference = serializers.CharField(source="from_clause.reference", read_only=True)
    to_reference = serializers.CharField(source="to_clause.reference", read_only=True)

    class Meta:
        model = Correspondence
        fields = ["id", "from_clause", "from_reference", "to_clause", "to_reference", "kind", "note"]
        read_only_fields = fields


class ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    filter_backends = [DjangoFilterBackend]


class StandardViewSet(ReferenceViewSet):
    """Standards by edition, e.g. ISO 9001:2015 and ISO 14001:2015 with Amd 1:2024."""

    serializer_class = StandardSerializer

    def get_queryset(self) -> QuerySet[Standard]:
        # An aggregate drops Meta.ordering, and paging needs a stable order.
        return Standard.objects.annotate(clause_count=Count("clauses")).order_by("code", "edition")


class ClauseViewSet(ReferenceViewSet):
    """Clauses and sub-clauses with our summaries, audit questions and mandatory documented information."""

    serializer_class = ClauseSerializer
    filterset_class = ClauseFilterSet

    def get_queryset(self) -> QuerySet[Clause]:
        return Clause.objects.select_related("standard").prefetch_related("mandatory_documents")


class CorrespondenceViewSet(ReferenceViewSet):
    """How clauses of two standards correspond: equivalent, related, or one number for two subjects."""

    serializer_class = CorrespondenceSerializer
    filterset_class = CorrespondenceFilterSet

    def get_queryset(self) -> QuerySet[Correspondence]:
        return Correspondence.objects.select_related("from_clause__standard", "to_clause__standard")
