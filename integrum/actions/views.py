from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from integrum.actions import services
from integrum.actions.filters import ActionFilterSet
from integrum.actions.forms import ActionForm, RaiseActionForm, ReassignForm, TransitionForm
from integrum.actions.models import Action
from integrum.actions.selectors import ageing, ageing_tables, attach_sources
from integrum.core.exports import xlsx_response
from integrum.core.models import StaleEdit
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import (
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    OrganisationMixin,
    error_text,
    form_problems,
)

EXPORT_CHUNK = 2000


class RaiseActionView(ObjectMixin, View):
    """POST from a record's page: raise an action in the tracker with the record as its source.

    A subclass names the model, the service call (`raise_action`) and its messages.
    """

    required_role = WRITE
    form_class: type[RaiseActionForm] = RaiseActionForm
    refused = "No action was raised."

    def raise_action(self, record: Any, data: dict[str, Any]) -> Action:
        raise NotImplementedError

    def raised(self, action: Action, record: Any) -> str:
        return f"{action.reference} raised for {record.reference}."

    def return_url(self, record: Any) -> str:
        return str(record.get_absolute_url())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_object()
        form = self.form_class(request.POST, organisation=self.organisation)
        if not form.is_valid():
            messages.error(request, f"{self.refused} {form_problems(form)}")
            return redirect(self.return_url(record))
        try:
            action = self.raise_action(record, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, f"{self.refused} {error_text(error)}")
        else:
            messages.success(request, self.raised(action, record))
        return redirect(self.return_url(record))


def source_cells(action: Action) -> tuple[str, str]:
    """The kind and reference of the record that raised the action (set by `attach_sources`)."""
    link = getattr(action, "source_link", None)
    return (link.kind, link.label) if link else ("", "")


class ActionListView(ObjectListView):
    model = Action
    filterset_class = ActionFilterSet
    template_name = "actions/action_list.html"

    def get_queryset(self) -> QuerySet[Action]:
        return super().get_queryset().select_related("owner", "site", "source_type")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Both tab counts in one pass over the open actions.
        context["tabs"] = (
            self.scoped(Action)
            .filter(status__in=Action.OPEN_STATUSES)
            .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=timezone.localdate())))
        )
        context["can_write"] = self.can(WRITE)
        context["can_manage"] = self.can(MANAGE)
        context["today"] = timezone.localdate()
        # The records that raised the actions on this page: one query per kind of record.
        context["object_list"] = list(context["object_list"])
        attach_sources(context["object_list"], self.request.user)
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self) -> HttpResponse:
        filterset = ActionFilterSet(self.request.GET, queryset=self.get_queryset(), request=self.request)
        rows = filterset.qs if filterset.is_valid() else Action.objects.none()
        return xlsx_response(
            "actions",
            [
                "Reference",
                "Title",
                "Status",
                "Priority",
                "Owner",
                "Site",
                "Due",
                "Days overdue",
                "Completed",
                "Source",
                "Source record",
            ],
            (
                [
                    a.reference,
                    a.title,
                    a.get_status_display(),
                    a.get_priority_display(),
                    str(a.owner or ""),
                    str(a.site or ""),
                    a.due_date,
                    a.days_overdue or None,
                    timezone.localtime(a.completed_at).replace(tzinfo=None) if a.completed_at else None,
                    *source_cells(a),
                ]
                for a in self.with_sources(rows)
            ),
        )

    def with_sources(self, rows: QuerySet[Action]) -> Iterator[Action]:
        """The rows in chunks, each chunk's sources read at once (one query per kind and chunk)."""
        iterator = rows.iterator(chunk_size=EXPORT_CHUNK)
        while chunk := list(islice(iterator, EXPORT_CHUNK)):
            attach_sources(chunk, self.request.user)
            yield from chunk


class ActionDetailView(ObjectDetailView):
    model = Action
    template_name = "actions/action_detail.html"

    def get_queryset(self) -> QuerySet[Action]:
        return super().get_queryset().select_related("owner", "site", "created_by", "source_type")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["transitions"] = [
            (status, services.TRANSITION_LABELS[Action.Status(status)])
            for status in services.allowed_transitions(self.object)
        ]
        attach_sources([self.object], self.request.user)
        context["source"] = self.object.source_link
        return context


class ActionAgeingView(OrganisationMixin, TemplateView):
    """Open actions by how long ago they were raised and how long they are overdue, by owner and by
    kind of source; every count links to the list of those actions. Three queries whatever the size."""

    template_name = "actions/action_ageing.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = ageing(self.scoped(Action))
        context["ageing"] = report
        context["tables"] = ageing_tables(report)
        return context


class ActionFormView(ObjectFormView):
    model = Action
    form_class = ActionForm

    def save(self, form: Any) -> Any:
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if self.object is None:
            return services.action_create(
                organisation=self.organisation,
                created_by=self.request.user,  # type: ignore[arg-type]
                **data,
            )
        return services.action_update(action=self.object, version=form.cleaned_data["version"], **data)


class ActionTransitionView(ObjectMixin, View):
    required_role = WRITE
    model = Action

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = self.get_object()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status to move the action to.")
            return redirect(action)
        try:
            services.action_transition(
                action=action, to=form.cleaned_data["to"], outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except StaleEdit as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{action.reference} is now {action.get_status_display().lower()}.")
        return redirect(action)


class ActionReassignView(ObjectMixin, View):
    """Bulk reassignment from the list: the selected actions get one new owner."""

    required_role = MANAGE
    model = Action

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReassignForm(request.POST, organisation=self.organisation, actions=self.get_queryset())
        if not form.is_valid():
            problems = form_problems(form)
            messages.error(request, f"Nothing was reassigned. {problems}")
            return redirect("actions:action_list")
        try:
            count = services.action_reassign(
                actions=list(form.cleaned_data["actions"]),
                owner=form.cleaned_data["owner"],
                organisation=self.organisation,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{count} action(s) now belong to {form.cleaned_data['owner']}.")
        return redirect(request.POST.get("next") or "actions:action_list")

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "errors/404.html", status=405)
