"""The process register, process interactions and the process map (clause 4.4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views import View
from django.views.generic import TemplateView

from integrum.context import services
from integrum.context.charts import MapEdge, MapNode, process_map
from integrum.context.filters import ProcessFilterSet
from integrum.context.forms import ProcessForm, ProcessInteractionForm
from integrum.context.models import Process, ProcessInteraction
from integrum.context.tabular import ProcessSpec
from integrum.context.views.common import RegisterDetailView, RegisterListView
from integrum.core.permissions import WRITE
from integrum.core.tabular import RegisterImportView
from integrum.core.views import (
    ObjectDeleteView,
    ObjectFormView,
    ObjectMixin,
    OrganisationMixin,
    error_text,
    safe_next,
)

# A map of more processes than this is unreadable; the register lists them all.
MAP_LIMIT = 300


class ProcessListView(RegisterListView):
    model = Process
    filterset_class = ProcessFilterSet
    template_name = "context/process_list.html"
    spec_class = ProcessSpec

    def get_queryset(self) -> QuerySet[Process]:
        return super().get_queryset().select_related("owner").prefetch_related("sites")


class ProcessMapView(OrganisationMixin, TemplateView):
    template_name = "context/process_map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        processes = list(
            Process.objects.visible_to(self.request.user)
            .filter(organisation=self.organisation)
            .exclude(status=Process.Status.RETIRED)
            .order_by("number")[:MAP_LIMIT]
        )
        ids = [p.pk for p in processes]
        interactions = ProcessInteraction.objects.filter(
            organisation=self.organisation, from_process_id__in=ids, to_process_id__in=ids
        ).values_list("from_process_id", "to_process_id", "flows")
        nodes = [
            MapNode(p.pk, p.reference, p.name, p.get_absolute_url(), muted=p.status != Process.Status.ACTIVE)
            for p in processes
        ]
        context["chart"] = process_map(nodes, [MapEdge(s, t, f) for s, t, f in interactions])
        context["count"] = len(processes)
        context["limited"] = len(processes) == MAP_LIMIT
        return context


class ProcessDetailView(RegisterDetailView):
    model = Process
    template_name = "context/process_detail.html"

    def get_queryset(self) -> QuerySet[Process]:
        return super().get_queryset().select_related("owner").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        process: Process = self.object
        context["feeds"] = list(process.feeds.select_related("to_process"))
        context["fed_by"] = list(process.fed_by.select_related("from_process"))
        if self.can(WRITE):
            context["interaction_form"] = kwargs.get("interaction_form") or ProcessInteractionForm(
                process=process
            )
        return context


class ProcessFormView(ObjectFormView):
    model = Process
    form_class = ProcessForm

    def save(self, form: Any) -> Any:
        if self.object is None:
            return services.process_create(organisation=self.organisation, **form.service_fields())
        return services.process_update(
            process=Process.objects.get(pk=self.object.pk), **form.service_fields()
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New process"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("context:process_list")


class ProcessDeleteView(ObjectDeleteView):
    model = Process
    service = services.process_delete
    keyword = "process"
    list_url = "context:process_list"


class ProcessImportView(RegisterImportView):
    spec_class = ProcessSpec
    back_url_name = "context:process_list"


class InteractionCreateView(ObjectMixin, View):
    """Record that this process feeds another one."""

    model = Process
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        process = self.get_object()
        form = ProcessInteractionForm(request.POST, process=process)
        if form.is_valid():
            try:
                services.process_interaction_add(
                    from_process=process,
                    to_process=form.cleaned_data["to_process"],
                    flows=form.cleaned_data["flows"],
                )
            except ValidationError as error:
                messages.error(request, f"Not recorded. {error_text(error)}")
            else:
                messages.success(
                    request, f"{process.reference} now feeds {form.cleaned_data['to_process'].reference}."
                )
            return redirect(process)
        view = ProcessDetailView()
        view.setup(request, pk=process.pk)
        view.object = process
        return view.render_to_response(view.get_context_data(interaction_form=form), status=400)


class InteractionDeleteView(ObjectMixin, View):
    model = ProcessInteraction
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        interaction = self.get_object()
        process = interaction.from_process
        services.process_interaction_remove(interaction=interaction)
        messages.success(request, "Interaction removed.")
        return redirect(safe_next(request, process.get_absolute_url()))


urlpatterns: list[URLPattern] = [
    path("processes/", ProcessListView.as_view(), name="process_list"),
    path("processes/map/", ProcessMapView.as_view(), name="process_map"),
    path("processes/new/", ProcessFormView.as_view(), name="process_create"),
    path("processes/import/", ProcessImportView.as_view(), name="process_import"),
    path("processes/<int:pk>/", ProcessDetailView.as_view(), name="process_detail"),
    path("processes/<int:pk>/edit/", ProcessFormView.as_view(), name="process_update"),
    path("processes/<int:pk>/delete/", ProcessDeleteView.as_view(), name="process_delete"),
    path("processes/<int:pk>/interactions/", InteractionCreateView.as_view(), name="interaction_create"),
    path("interactions/<int:pk>/delete/", InteractionDeleteView.as_view(), name="interaction_delete"),
]
