"""The `actions/` collection: the action tracker, written through `actions.services`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import decorators, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.actions import selectors
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
    OrganisationFilterBackend,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.api_policy import require_role
from integrum.core.filters import MAX_ID
from integrum.core.permissions import MANAGE, WRITE, memberships_of

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


class RaiseActionSerializer(serializers.Serializer):
    """An action raised from a record (a risk, an objective, a nonconformity), which becomes its source."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    owner = MemberField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Action.Priority.choices, default=Action.Priority.MEDIUM)


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


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(source="label", help_text="The range as people read it.")
    low = serializers.IntegerField(help_text="First day of the range.")
    high = serializers.IntegerField(allow_null=True, help_text="Last day of the range; null: no end.")


class CellSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    query = serializers.CharField(
        help_text="Query string of `actions/` (and of the action list page) that lists exactly these actions."
    )


class AgeingRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Owner id (`null`: no owner) or source kind (`none`: no source).")
    name = serializers.CharField(source="label", help_text="The owner's name or the kind of record.")
    cells = CellSerializer(many=True, help_text="One count per bucket, in the order of `buckets`.")
    total = CellSerializer()


class AgeingTableSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="age-owner, age-source, overdue-owner or overdue-source.")
    measure = serializers.CharField(help_text="`age`: days since raised; `overdue`: days past due.")
    by = serializers.CharField(help_text="`owner` or `source` (kind of record that raised the action).")
    title = serializers.CharField()
    buckets = BucketSerializer(many=True)
    rows = AgeingRowSerializer(many=True)
    total = AgeingRowSerializer()


class AgeingSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="The day the ages are counted on.")
    open = serializers.IntegerField(help_text="Open actions (open or in progress).")
    overdue = serializers.IntegerField(help_text="Open actions past their due date.")
    tables = AgeingTableSerializer(many=True)


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

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organisation", int, description="Only actions of this organisation (one of yours)."
            )
        ],
        responses=AgeingSerializer,
    )
    @decorators.action(detail=False, methods=["get"])
    def ageing(self, request: Request) -> Response:
        """Open actions counted by days since raised and overdue ones by days past due, by owner and by
        kind of source; each count carries the list query that shows those actions."""
        queryset = OrganisationFilterBackend().filter_queryset(request, self.get_queryset(), self)
        # Named explicitly as well, so the database can use its organisation indexes.
        queryset = queryset.filter(
            organisation_id__in=[m.organisation_id for m in memberships_of(request.user)]
        )
        report = selectors.ageing(queryset)
        data = {
            "today": report.today,
            "open": report.total.age_total,
            "overdue": report.total.overdue_total,
            "tables": selectors.ageing_tables(report),
        }
        return Response(AgeingSerializer(data).data)
