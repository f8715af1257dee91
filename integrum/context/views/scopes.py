"""The scope of the management system per standard, its exclusions and the printable statement (4.3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from integrum.context import services
from integrum.context.filters import ScopeFilterSet
from integrum.context.forms import ScopeExclusionForm, ScopeForm
from integrum.context.models import Scope, ScopeExclusion
from integrum.context.tabular import ScopeSpec
from integrum.context.views.common import RegisterDetailView, RegisterListView
from integrum.core.exports import pdf_response
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.tabular import RegisterImportView
from integrum.core.views import ObjectDeleteView, ObjectDetailView, ObjectFormView, ObjectMixin, error_text
from integrum.standards.models import Clause, Standard


class ScopeListView(RegisterListView):
    """One card per standard of the library: its scope, or the button to set it."""

    model = Scope
    filterset_class = ScopeFilterSet
    template_name = "context/scope_list.html"
    spec_class = ScopeSpec

    def get_queryset(self) -> QuerySet[Scope]:
        return (
            super().get_queryset().select_related("standard").prefetch_related("sites", "exclusions__clause")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        have = {scope.standard_id for scope in context["object_list"]}
        context["missing"] = [s for s in Standard.objects.all() if s.pk not in have]
        return context


class ScopeDetailView(RegisterDetailView):
    model = Scope
    template_name = "context/scope_detail.html"

    def get_queryset(self) -> QuerySet[Scope]:
        return super().get_queryset().select_related("standard").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope: Scope = self.object
        context["exclusions"] = list(scope.exclusions.select_related("clause__standard"))
        allows = Clause.objects.filter(standard_id=scope.standard_id, exclusion_allowed=True).exists()
        context["exclusions_allowed"] = allows
        if allows and self.can(WRITE):
            context["exclusion_form"] = kwargs.get("exclusion_form") or ScopeExclusionForm(scope=scope)
        return context


class ScopeFormView(ObjectFormView):
    model = Scope
    form_class = ScopeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        standard = self.request.GET.get("standard")
        if self.object is None and standard and standard.isdigit():
            kwargs["initial"] = {"standard": int(standard)}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.scope_create(organisation=self.organisation, **fields)
        return services.scope_update(scope=Scope.objects.get(pk=self.object.pk), **fields)

    def get_title(self) -> str:
        return f"Edit the scope for {self.object.standard}" if self.object else "Set the scope of a standard"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("context:scope_list")


class ScopeDeleteView(ObjectDeleteView):
    model = Scope
    service = services.scope_delete
    keyword = "scope"
    list_url = "context:scope_list"


class ScopeImportView(RegisterImportView):
    spec_class = ScopeSpec
    back_url_name = "context:scope_list"


class ScopeStatementView(ObjectDetailView):
    """The scope statement on its own, to print (or as PDF with ?format=pdf)."""

    model = Scope
    template_name = "context/scope_statement.html"

    def get_queryset(self) -> QuerySet[Scope]:
        return super().get_queryset().select_related("standard").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            scope=self.object,
            organisation=self.organisation,
            exclusions=list(self.object.exclusions.select_related("clause")),
            generated=timezone.now(),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "pdf":
            self.object = self.get_object()
            context = self.get_context_data(pdf=True)
            stem = f"scope-{self.object.standard.code.replace(' ', '').lower()}"
            return pdf_response(stem, self.template_name, context, request)
        return super().get(request, *args, **kwargs)


class ExclusionCreateView(ObjectMixin, View):
    model = Scope
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        scope = self.get_object()
        form = ScopeExclusionForm(request.POST, scope=scope)
        if form.is_valid():
            try:
                services.scope_exclusion_add(scope=scope, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, f"Not recorded. {error_text(error)}")
            else:
                messages.success(request, f"{form.cleaned_data['clause'].number} is declared not applicable.")
            return redirect(scope)
        view = ScopeDetailView()
        view.setup(request, pk=scope.pk)
        view.object = scope
        return view.render_to_response(view.get_context_data(exclusion_form=form), status=400)


class ExclusionDeleteView(ObjectMixin, View):
    model = ScopeExclusion
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        exclusion = self.get_object()
        scope = exclusion.scope
        services.scope_exclusion_remove(exclusion=exclusion)
        messages.success(request, "The requirement applies again.")
        return redirect(scope)


urlpatterns: list[URLPattern] = [
    path("scopes/", ScopeListView.as_view(), name="scope_list"),
    path("scopes/new/", ScopeFormView.as_view(), name="scope_create"),
    path("scopes/import/", ScopeImportView.as_view(), name="scope_import"),
    path("scopes/<int:pk>/", ScopeDetailView.as_view(), name="scope_detail"),
    path("scopes/<int:pk>/edit/", ScopeFormView.as_view(), name="scope_update"),
    path("scopes/<int:pk>/delete/", ScopeDeleteView.as_view(), name="scope_delete"),
    path("scopes/<int:pk>/statement/", ScopeStatementView.as_view(), name="scope_statement"),
    path("scopes/<int:pk>/exclusions/", ExclusionCreateView.as_view(), name="exclusion_create"),
    path("exclusions/<int:pk>/delete/", ExclusionDeleteView.as_view(), name="exclusion_delete"),
]
