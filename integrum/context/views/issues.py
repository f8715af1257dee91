"""Context issues (clause 4.1) and the climate-change determination (Amd 1:2024)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.generic import TemplateView

from integrum.context import services
from integrum.context.filters import ContextIssueFilterSet
from integrum.context.forms import ClimateDeterminationForm, ContextIssueForm
from integrum.context.models import ClimateDetermination, ContextIssue
from integrum.context.selectors import climate_determination
from integrum.context.tabular import ContextIssueSpec
from integrum.context.views.common import RegisterDetailView, RegisterListView
from integrum.core.models import StaleEdit
from integrum.core.permissions import MANAGE
from integrum.core.tabular import RegisterImportView
from integrum.core.views import (
    ObjectDeleteView,
    ObjectFormView,
    OrganisationMixin,
    apply_validation_error,
    history_of,
)


class IssueListView(RegisterListView):
    model = ContextIssue
    filterset_class = ContextIssueFilterSet
    template_name = "context/issue_list.html"
    spec_class = ContextIssueSpec

    def get_queryset(self) -> QuerySet[ContextIssue]:
        return super().get_queryset().select_related("owner").prefetch_related("standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tabs"] = self.scoped(ContextIssue).aggregate(
            active=Count("pk", filter=Q(status=ContextIssue.Status.ACTIVE)),
            climate=Count("pk", filter=Q(climate_related=True, status=ContextIssue.Status.ACTIVE)),
        )
        determination = climate_determination(self.organisation)
        context["climate"] = determination
        context["climate_history"] = history_of(determination) if determination else []
        context["climate_form"] = ClimateDeterminationForm(
            organisation=self.organisation, instance=determination
        )
        return context


class IssueDetailView(RegisterDetailView):
    model = ContextIssue
    template_name = "context/issue_detail.html"

    def get_queryset(self) -> QuerySet[ContextIssue]:
        return super().get_queryset().select_related("owner").prefetch_related("standards")


class IssueFormView(ObjectFormView):
    model = ContextIssue
    form_class = ContextIssueForm

    def save(self, form: Any) -> Any:
        if self.object is None:
            return services.context_issue_create(organisation=self.organisation, **form.service_fields())
        return services.context_issue_update(
            issue=ContextIssue.objects.get(pk=self.object.pk), **form.service_fields()
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New context issue"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("context:issue_list")


class IssueDeleteView(ObjectDeleteView):
    model = ContextIssue
    service = services.context_issue_delete
    keyword = "issue"
    list_url = "context:issue_list"


class IssueImportView(RegisterImportView):
    spec_class = ContextIssueSpec
    back_url_name = "context:issue_list"


class ClimateDeterminationView(OrganisationMixin, TemplateView):
    """Say whether climate change is a relevant issue, and why (managers); history stays in the log."""

    required_role = MANAGE
    template_name = "context/climate_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = ClimateDetermination.objects.filter(organisation=self.organisation).first()
        form = ClimateDeterminationForm(organisation=self.organisation, instance=instance)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = ClimateDetermination.objects.filter(organisation=self.organisation).first()
        form = ClimateDeterminationForm(request.POST, organisation=self.organisation, instance=instance)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.climate_determination_set(
                    organisation=self.organisation,
                    relevant=data["relevant"],
                    rationale=data["rationale"],
                    decided_by=request.user,  # type: ignore[arg-type]
                    decided_on=data["decided_on"],
                    version=data["version"] if instance is not None else None,
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Climate change determination recorded.")
                return redirect(reverse("context:issue_list") + "#climate")
        return self.render_to_response(self.get_context_data(form=form), status=400)


urlpatterns: list[URLPattern] = [
    path("issues/", IssueListView.as_view(), name="issue_list"),
    path("issues/new/", IssueFormView.as_view(), name="issue_create"),
    path("issues/import/", IssueImportView.as_view(), name="issue_import"),
    path("issues/climate/", ClimateDeterminationView.as_view(), name="climate_determination"),
    path("issues/<int:pk>/", IssueDetailView.as_view(), name="issue_detail"),
    path("issues/<int:pk>/edit/", IssueFormView.as_view(), name="issue_update"),
    path("issues/<int:pk>/delete/", IssueDeleteView.as_view(), name="issue_delete"),
]
