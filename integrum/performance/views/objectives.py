"""Objectives and planning to achieve them (ISO 9001/14001 6.2): the list with each objective's
status, an objective with its progress, KPI trend, links and planned actions, and its form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View

from integrum.actions.forms import RaiseActionForm
from integrum.actions.models import Action
from integrum.actions.views import RaiseActionView
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.relations import related_to
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    error_text,
)
from integrum.performance import services
from integrum.performance.filters import ObjectiveFilterSet
from integrum.performance.forms import CancelForm, ObjectiveForm
from integrum.performance.models import Objective
from integrum.performance.periods import period_start
from integrum.performance.selectors import kpi_series, objective_counts, objective_window, objectives_progress
from integrum.performance.views.common import kpi_chart, sites_of


class ObjectiveListView(ObjectListView):
    """Status is computed from each objective's KPI, so the list computes it for every objective
    the other filters leave (a fixed number of queries), filters on it, then pages."""

    model = Objective
    filterset_class = ObjectiveFilterSet
    template_name = "performance/objective_list.html"

    def get_queryset(self) -> QuerySet[Objective]:
        return super().get_queryset().select_related("owner", "kpi").prefetch_related("standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super(ObjectListView, self).get_context_data(**kwargs)
        filterset = ObjectiveFilterSet(self.request.GET, queryset=self.get_queryset(), request=self.request)
        objectives = list(filterset.qs) if filterset.is_valid() else []
        progress = objectives_progress(objectives, sites=sites_of(self.request))
        wanted = filterset.statuses
        if wanted:
            objectives = [o for o in objectives if progress[o.pk].status in wanted]
        paginator = Paginator(objectives, self.paginate_by)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage:
            page = paginator.page(1)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset,
            page_obj=page,
            object_list=page.object_list,
            rows=[(objective, progress[objective.pk]) for objective in page.object_list],
            querystring=query.urlencode(),
            counts=objective_counts(list(progress.values())),
            today=timezone.localdate(),
            can_write=self.can(WRITE),
        )
        return context


class ObjectiveDetailView(ObjectDetailView):
    model = Objective
    template_name = "performance/objective_detail.html"

    def get_queryset(self) -> QuerySet[Objective]:
        return (
            super()
            .get_queryset()
            .select_related("owner", "kpi")
            .prefetch_related("standards", "risks", "aspects", "obligations")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        objective = self.object
        today = timezone.localdate()
        sites = sites_of(self.request)
        progress = objectives_progress([objective], sites=sites, today=today)[objective.pk]
        context["progress"] = progress
        kpi = objective.kpi
        if kpi is not None:
            begin, _ = objective_window(objective, today)
            end = max(begin, min(objective.due_date, today))
            series = kpi_series(kpi, start=period_start(begin, kpi.frequency), end=end, sites=sites)
            context["chart"] = kpi_chart(
                series,
                title=f"{kpi.reference} {kpi.name} since {objective.start_date:%b %Y}",
                target=progress.target,
                baseline=progress.baseline,
            )
            context["series"] = series
        context["actions"] = (
            Action.objects.visible_to(self.request.user)
            .raised_by(objective)
            .select_related("owner")
            .order_by("-number")
        )
        context["action_form"] = RaiseActionForm(organisation=self.organisation)
        context["cancel_form"] = CancelForm()
        context["related"] = related_to(objective, self.request.user)
        context["can_manage"] = self.can(MANAGE)
        context["today"] = today
        return context


class ObjectiveFormView(ObjectFormView):
    model = Objective
    form_class = ObjectiveForm

    def get_queryset(self) -> QuerySet[Objective]:
        return super().get_queryset().prefetch_related("standards", "risks", "aspects", "obligations")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            initial: dict[str, Any] = {"owner": self.request.user.pk, "start_date": timezone.localdate()}
            for name in ("kpi", "risks", "aspects", "obligations"):
                raw = self.request.GET.get(name, "")
                if raw.isdigit():
                    initial[name] = int(raw) if name == "kpi" else [int(raw)]
            kwargs["initial"] = initial
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.objective_create(organisation=self.organisation, **fields)
        return services.objective_update(
            objective=Objective.objects.get(pk=self.object.pk), version=form.cleaned_data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New objective"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("performance:objective_list")

    def success_message(self, obj: Any) -> str:
        if self.object is None:
            return f"{obj.reference} set. Plan the actions to achieve it on its page."
        return f"Saved {obj.reference}."


class ObjectiveCancelView(ObjectMixin, View):
    model = Objective
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        objective = self.get_object()
        form = CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why the objective is cancelled.")
            return redirect(objective)
        try:
            services.objective_cancel(objective=objective, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"{objective.reference} is cancelled.")
        return redirect(objective)


class ObjectiveReinstateView(ObjectMixin, View):
    model = Objective
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        objective = self.get_object()
        try:
            services.objective_reinstate(objective=objective)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"{objective.reference} is active again.")
        return redirect(objective)


class ObjectiveDeleteView(ObjectDeleteView):
    model = Objective
    service = services.objective_delete
    keyword = "objective"
    list_url = "performance:objective_list"


class ObjectiveActionCreateView(RaiseActionView):
    """Plan an action to achieve the objective, from its page."""

    model = Objective
    refused = "No action was planned."

    def raise_action(self, record: Objective, data: dict[str, Any]) -> Action:
        return services.objective_action_create(objective=record, created_by=self.request.user, **data)  # type: ignore[arg-type]

    def raised(self, action: Action, record: Objective) -> str:
        return f"{action.reference} planned for {record.reference}."
