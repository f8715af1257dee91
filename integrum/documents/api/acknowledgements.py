"""The `acknowledgements/` collection: who has read which effective revision."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    OrganisationOwnedViewSet,
)
from integrum.core.api_policy import require_role, required_role
from integrum.core.filters import IdFilter, OrganisationFilterSet
from integrum.core.permissions import READ
from integrum.documents.api.documents import person
from integrum.documents.api.revisions import VisibleRevisionField
from integrum.documents.models import (
    Acknowledgement,
    DocumentRevision,
)
from integrum.documents.services import (
    acknowledge,
)

# Review intervals and retention periods: up to a century.


# --- Acknowledgements ------------------------------------------------------------------------


class AcknowledgementFilterSet(OrganisationFilterSet):
    """Filters of the `acknowledgements/` endpoint."""

    revision = IdFilter(field_name="revision_id", label="Id of the revision")
    document = IdFilter(field_name="revision__document_id", label="Id of the document")
    user = IdFilter(field_name="user_id", label="Id of the person")

    class Meta:
        model = Acknowledgement
        fields: ClassVar[list[str]] = []


class AcknowledgementSerializer(serializers.ModelSerializer):
    document = serializers.IntegerField(source="revision.document_id", read_only=True)
    document_reference = serializers.CharField(source="revision.document.reference", read_only=True)
    label = serializers.CharField(  # type: ignore[assignment]
        source="revision.label", read_only=True, help_text="The revision's label."
    )
    name = serializers.SerializerMethodField(help_text="The reader's name.")

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "organisation",
            "revision",
            "label",
            "document",
            "document_reference",
            "user",
            "name",
            "acknowledged_at",
        ]
        read_only_fields = fields

    def get_name(self, acknowledgement: Acknowledgement) -> str:
        return person(acknowledgement.user)


class AcknowledgementCreateSerializer(serializers.Serializer):
    revision = VisibleRevisionField(help_text="Id of the effective revision you have read.")


class AcknowledgementViewSet(OrganisationOwnedViewSet):
    """Confirmations that people have read the effective revision of a document distributed to them.

    Everyone acknowledges for themselves, viewers included: reading a document sent to you is
    what read-only members are there for. The service refuses a revision that is not effective
    or not distributed to you.
    """

    model = Acknowledgement
    serializer_class = AcknowledgementSerializer
    filterset_class = AcknowledgementFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": AcknowledgementCreateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"create": READ}

    def get_queryset(self) -> QuerySet[Acknowledgement]:
        return super().get_queryset().select_related("user", "revision__document")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Confirm that you have read the revision."""
        revision: DocumentRevision = self.validated_input()["revision"]
        require_role(request, revision.organisation_id, required_role(request, self))
        acknowledgement = acknowledge(revision=revision, user=request.user)  # type: ignore[arg-type]
        return self.respond(self.get_queryset().get(pk=acknowledgement.pk), status.HTTP_201_CREATED)
