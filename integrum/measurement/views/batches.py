"""Readings imported from files, checked and committed in the background; the batches' list,
their progress, errors and warnings, and the commit and revert steps."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import (
    ObjectDetailView,
    ObjectListView,
    ObjectMixin,
    OrganisationMixin,
    apply_validation_error,
    error_text,
)
from integrum.measurement import services
from integrum.measurement.filters import BatchFilterSet
from integrum.measurement.forms import ImportForm
from integrum.measurement.models import Meter, ReadingBatch


class ImportView(OrganisationMixin, TemplateView):
    """Upload a file of readings; its check (and commit) runs in the background."""

    required_role = WRITE
    template_name = "measurement/reading_import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["time_zone"] = timezone.get_current_timezone_name()
        context["meters"] = (
            Meter.objects.visible_to(self.request.user)
            .filter(organisation=self.organisation, is_active=True)
            .select_related("site")[:200]
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.batch_start(
                    organisation=self.organisation,
                    user=request.user,  # type: ignore[arg-type]
                    name=upload.name,
                    data=upload,
                    commit_when_valid=form.cleaned_data["mode"] == "commit",
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, f"{batch.file_name} is being checked; this page shows how far it got."
                )
                return redirect(batch)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class BatchListView(ObjectListView):
    model = ReadingBatch
    filterset_class = BatchFilterSet
    template_name = "measurement/batch_list.html"

    def get_queryset(self) -> QuerySet[ReadingBatch]:
        return super().get_queryset().select_related("created_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class BatchDetailView(ObjectDetailView):
    model = ReadingBatch
    template_name = "measurement/batch_detail.html"

    def get_queryset(self) -> QuerySet[ReadingBatch]:
        return super().get_queryset().select_related("created_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        batch = self.object
        context["can_commit"] = self.can(WRITE) and batch.status == ReadingBatch.Status.CHECKED
        context["can_revert"] = self.can(MANAGE) and batch.status == ReadingBatch.Status.COMMITTED
        context["meters"] = (
            Meter.objects.visible_to(self.request.user).filter(batches=batch).select_related("site")
        )
        context["hidden_errors"] = batch.error_count - len(batch.errors)
        context["hidden_warnings"] = batch.warning_count - len(batch.warnings)
        return context


class BatchProgressView(ObjectMixin, View):
    """The progress fragment the batch page polls (htmx) while the batch runs; once it has
    finished, htmx is told to reload the page, which then shows the outcome."""

    model = ReadingBatch

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.get_object()
        response = render(request, "measurement/_batch_progress.html", {"object": batch})
        if not batch.is_running and request.htmx:  # type: ignore[attr-defined]
            response["HX-Refresh"] = "true"
        return response


class BatchCommitView(ObjectMixin, View):
    """POST: commit a checked batch (in the background, after checking it again)."""

    model = ReadingBatch
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.get_object()
        try:
            batch = services.batch_commit(batch=batch, user=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, "The readings are checked again and committed; this page shows how far it got."
            )
        return redirect(batch)


class BatchRevertView(ObjectMixin, View):
    """POST: take a committed batch's readings out again (managers)."""

    model = ReadingBatch
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.get_object()
        try:
            batch = services.batch_revert(batch=batch)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, batch.message)
        return redirect(batch)
