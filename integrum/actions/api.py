"""The `actions/` collection: the action tracker, written through `actions.services`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.actions.filters import ActionFilterSet
from integrum.actions.models import Action
from integrum.actions.services import (
    action_create,
    action_reassign,
    action_transition,
    action_update,
    allowed_transitions,
)
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
from integrum.core.filters import MAX_ID
from integrum.core.permissions import MANAGE, WRITE

MAX_REASSIGN = 200


class ActionSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField(help_text="Statuses the action may move to now.")
    source_type = serializers.SerializerMethodField(help_text="Kind of record that raised it, as app.model.")

    class Meta:
        model = Action
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "description",
            "owner",
            "site",
            "due_date",
            "status",
            "priority",
            "completed_at",
            "outcome",
            "is_overdue",
            "allowed_transitions",
            "source_type",
            "source_id",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Action.Status.choices)))
    def get_allowed_transitions(self, action: Action) -> list[str]:
        return list(allowed_transitions(action))

    def get_source_type(self, action: Action) -> str | None:
        if action.source_type is None:
            return None
        return f"{action.source_type.app_label}.{action.source_type.model}"


class ActionCreateSerializer(serializers.ModelSerializer):
    organisation = OrganisationField()
    owner = MemberField(required=False, allow_null=True)
    site = SiteField(required=False, allow_null=True)

    class Meta:
        model = Action
        fields = ["organisation", "title", "description", "owner", "site", "due_date", "priority"]


class ActionUpdateSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    site = SiteField(required=False, allow_null=True)
    version = VersionField()

    class Meta:
        model = Action
        fields = ["title", "description", "owner", "site", "due_date", "priority", "version"]


class ActionTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Action.Status.choices, help_text="The status to move to.")
    outcome = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="What was done; needed to mark an action done.",
    )


class ActionReassignSerializer(serializers.Serializer):
    actions = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=MAX_REASSIGN,
        help_text="Ids of actions of one organisation.",
    )
    owner = MemberField(help_text="The new owner, a member of the actions' organisation.")


class ActionReassignResultSerializer(serializers.Serializer):
    reassigned = serializers.IntegerField(help_text="How many actions got the new owner.")


class ActionViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Actions of your organisations.

    Contributors raise, edit and progress them; managers also delete and reassign them.
    """

    model = Action
    serializer_class = ActionSerializer
    filterset_class = ActionFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ActionCreateSerializer,
        "partial_update": ActionUpdateSerializer,
        "transition": ActionTransitionSerializer,
        "reassign": ActionReassignSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"transition": WRITE, "reassign": MANAGE, "destroy": MANAGE}

    def get_queryset(self) -> QuerySet[Action]:
        return super().get_queryset().select_related("source_type")

    def perform_create(self, data: dict[str, Any]) -> Action:
        return action_create(created_by=self.request.user, **data)  # type: ignore[arg-type]

    def perform_update(self, instance: Action, data: dict[str, Any]) -> Action:
        return action_update(action=instance, **data)

    @decorators.action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the action along its workflow (start, mark done with an outcome, cancel, reopen)."""
        action = self.get_object()
        data = self.validated_input()
        return self.respond(action_transition(action=action, to=data["to"], outcome=data["outcome"]))

    @extend_schema(responses=ActionReassignResultSerializer)
    @decorators.action(detail=False, methods=["post"])
    def reassign(self, request: Request) -> Response:
        """Give several actions of one organisation a new owner at once (managers)."""
        data = self.validated_input()
        wanted = set(data["actions"])
        actions = list(self.get_queryset().filter(pk__in=wanted).select_related("organisation"))
        missing = sorted(wanted - {action.pk for action in actions})
        if missing:
            ids = ", ".join(map(str, missing))
            raise serializers.ValidationError({"actions": [f"No action you can see has id {ids}."]})
        organisations = {action.organisation for action in actions}
        if len(organisations) > 1:
            raise serializers.ValidationError(
                {"actions": ["Reassign the actions of one organisation at a time."]}
            )
        (organisation,) = organisations
        require_role(request, organisation.pk, MANAGE)
        count = action_reassign(actions=actions, owner=data["owner"], organisation=organisation)
        return Response(ActionReassignResultSerializer({"reassigned": count}).data)
