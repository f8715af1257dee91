"""`scopes/` and `scope-exclusions/` (clause 4.3)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.context.api.common import VisibleField, check_parent_role
from integrum.context.filters import ScopeFilterSet
from integrum.context.models import Scope, ScopeExclusion
from integrum.context.services import (
    scope_create,
    scope_delete,
    scope_exclusion_add,
    scope_exclusion_remove,
    scope_update,
)
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.standards.models import Clause, Standard

SCOPE_FIELDS = ["statement", "products_services", "lifecycle", "boundaries", "sites"]


class ScopeExclusionSerializer(serializers.ModelSerializer):
    clause_number = serializers.CharField(source="clause.number", read_only=True)

    class Meta:
        model = ScopeExclusion
        fields = ["id", "organisation", "scope", "clause", "clause_number", "justification", "created_at"]
        read_only_fields = fields


class ScopeSerializer(serializers.ModelSerializer):
    exclusions = ScopeExclusionSerializer(many=True, read_only=True, help_text="Requirements not applicable.")

    class Meta:
        model = Scope
        fields = [
            "id",
            "organisation",
            "standard",
            *SCOPE_FIELDS,
            "exclusions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ScopeCreateSerializer(serializers.ModelSerializer):
    organisation = OrganisationField()
    standard = serializers.PrimaryKeyRelatedField(
        queryset=Standard.objects.all(), help_text="One scope per standard."
    )
    sites = SiteField(many=True, required=False, default=list, help_text="Sites covered; empty: every site.")

    class Meta:
        model = Scope
        fields = ["organisation", "standard", *SCOPE_FIELDS]
        validators: ClassVar[list[Any]] = []  # the service says which scope already exists


class ScopeUpdateSerializer(serializers.ModelSerializer):
    sites = SiteField(many=True, required=False)
    version = VersionField()

    class Meta:
        model = Scope
        fields = [*SCOPE_FIELDS, "version"]


class ScopeViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """The scope of the management system per standard, with its exclusions (clause 4.3)."""

    model = Scope
    serializer_class = ScopeSerializer
    filterset_class = ScopeFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ScopeCreateSerializer,
        "partial_update": ScopeUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[Scope]:
        return super().get_queryset().prefetch_related("sites", "exclusions__clause")

    def reread(self, scope: Scope) -> Scope:
        return self.get_queryset().get(pk=scope.pk)

    def perform_create(self, data: dict[str, Any]) -> Scope:
        return self.reread(scope_create(**data))

    def perform_update(self, instance: Scope, data: dict[str, Any]) -> Scope:
        return self.reread(scope_update(scope=instance, **data))

    def perform_destroy(self, instance: Scope) -> None:
        scope_delete(scope=instance)


class ScopeExclusionCreateSerializer(serializers.Serializer):
    scope = VisibleField(Scope, help_text="Id of the scope.")
    clause = serializers.PrimaryKeyRelatedField(
        queryset=Clause.objects.all(), help_text="A clause of the scope's standard that allows exclusion."
    )
    justification = serializers.CharField(help_text="Why the requirement does not apply.")


class ScopeExclusionViewSet(DestroyMixin):
    """Requirements declared not applicable (ISO 9001 only, and only where the standard allows it)."""

    model = ScopeExclusion
    serializer_class = ScopeExclusionSerializer
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ScopeExclusionCreateSerializer
    }

    def get_queryset(self) -> QuerySet[ScopeExclusion]:
        return super().get_queryset().select_related("clause")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        check_parent_role(self, data["scope"])
        return self.respond(scope_exclusion_add(**data), status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ScopeExclusion) -> None:
        scope_exclusion_remove(exclusion=instance)
