"""Roles, responsibilities and authorities, and who holds them (clause 5.3)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, path, reverse

from integrum.context import services
from integrum.context.filters import OrganisationalRoleFilterSet
from integrum.context.forms import OrganisationalRoleForm
from integrum.context.models import OrganisationalRole
from integrum.context.tabular import OrganisationalRoleSpec
from integrum.context.views.common import RegisterDetailView, RegisterListView
from integrum.core.tabular import RegisterImportView
from integrum.core.views import ObjectDeleteView, ObjectFormView


class RoleListView(RegisterListView):
    model = OrganisationalRole
    filterset_class = OrganisationalRoleFilterSet
    template_name = "context/role_list.html"
    spec_class = OrganisationalRoleSpec

    def get_queryset(self) -> QuerySet[OrganisationalRole]:
        return super().get_queryset().select_related("reports_to").prefetch_related("holders", "standards")


class RoleDetailView(RegisterDetailView):
    model = OrganisationalRole
    template_name = "context/role_detail.html"

    def get_queryset(self) -> QuerySet[OrganisationalRole]:
        return super().get_queryset().select_related("reports_to").prefetch_related("holders", "standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["reports"] = list(self.object.reports.all())
        return context


class RoleFormView(ObjectFormView):
    model = OrganisationalRole
    form_class = OrganisationalRoleForm

    def save(self, form: Any) -> Any:
        if self.object is None:
            return services.organisational_role_create(
                organisation=self.organisation, **form.service_fields()
            )
        return services.organisational_role_update(
            role=OrganisationalRole.objects.get(pk=self.object.pk), **form.service_fields()
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New role"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("context:role_list")


class RoleDeleteView(ObjectDeleteView):
    model = OrganisationalRole
    service = services.organisational_role_delete
    keyword = "role"
    list_url = "context:role_list"


class RoleImportView(RegisterImportView):
    spec_class = OrganisationalRoleSpec
    back_url_name = "context:role_list"


urlpatterns: list[URLPattern] = [
    path("roles/", RoleListView.as_view(), name="role_list"),
    path("roles/new/", RoleFormView.as_view(), name="role_create"),
    path("roles/import/", RoleImportView.as_view(), name="role_import"),
    path("roles/<int:pk>/", RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", RoleFormView.as_view(), name="role_update"),
    path("roles/<int:pk>/delete/", RoleDeleteView.as_view(), name="role_delete"),
]
