"""The audit programme (9.2.2) with its plan by risk and past results, and the auditor register."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from integrum.audits import services
from integrum.audits.filters import AuditorFilterSet, ProgrammeFilterSet
from integrum.audits.forms import AuditorForm, ProgrammeForm
from integrum.audits.models import Auditor, AuditProgramme
from integrum.audits.selectors import programme_plan, timeline
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import ObjectDeleteView, ObjectDetailView, ObjectFormView, ObjectListView


class ProgrammeListView(ObjectListView):
    model = AuditProgramme
    filterset_class = ProgrammeFilterSet
    template_name = "audits/programme_list.html"

    def get_queryset(self) -> QuerySet[AuditProgramme]:
        return (
            super()
            .get_queryset()
            .select_related("manager")
            .prefetch_related("standards")
            .annotate(audit_count=Count("audits"))
            .order_by("-start_date", "-number")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class ProgrammeDetailView(ObjectDetailView):
    model = AuditProgramme
    template_name = "audits/programme_detail.html"

    def get_queryset(self) -> QuerySet[AuditProgramme]:
        return super().get_queryset().select_related("manager").prefetch_related("standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        programme = self.object
        audits = list(programme.audits.select_related("lead_auditor").order_by("planned_start", "number"))
        context["audits"] = audits
        context["plan"] = programme_plan(programme)
        context["due_not_planned"] = sum(1 for row in context["plan"] if row.due_not_planned)
        context["timeline"] = timeline(programme, audits)
        context["can_manage"] = self.can(MANAGE)
        return context


class ProgrammeFormView(ObjectFormView):
    model = AuditProgramme
    form_class = ProgrammeForm

    def get_queryset(self) -> QuerySet[AuditProgramme]:
        return super().get_queryset().prefetch_related("standards")

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.programme_create(organisation=self.organisation, **fields)
        return services.programme_update(
            programme=AuditProgramme.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            **fields,
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New audit programme"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("audits:programme_list")

    def success_message(self, obj: Any) -> str:
        if self.object is None:
            return f"{obj.reference} set up. Its plan shows which processes are due for audit."
        return f"Saved {obj.reference}."


class ProgrammeDeleteView(ObjectDeleteView):
    model = AuditProgramme
    service = services.programme_delete
    keyword = "programme"
    list_url = "audits:programme_list"


class AuditorListView(ObjectListView):
    model = Auditor
    filterset_class = AuditorFilterSet
    template_name = "audits/auditor_list.html"

    def get_queryset(self) -> QuerySet[Auditor]:
        return super().get_queryset().select_related("user").prefetch_related("standards", "own_processes")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can(MANAGE)
        return context


class AuditorFormView(ObjectFormView):
    model = Auditor
    form_class = AuditorForm
    required_role = MANAGE

    def get_queryset(self) -> QuerySet[Auditor]:
        return super().get_queryset().select_related("user")

    def save(self, form: Any) -> Any:
        data = form.cleaned_data
        fields = {
            "qualifications": data["qualifications"],
            "is_active": data["is_active"],
            "standards": list(data["standards"]),
            "own_processes": list(data["own_processes"]),
        }
        if self.object is None:
            return services.auditor_create(organisation=self.organisation, user=data["user"], **fields)
        return services.auditor_update(
            auditor=Auditor.objects.get(pk=self.object.pk), version=data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit auditor {self.object}" if self.object else "Register an auditor"

    def cancel_url(self) -> str:
        return reverse("audits:auditor_list")

    def success_url(self, obj: Any) -> str:
        return reverse("audits:auditor_list")


class AuditorDeleteView(ObjectDeleteView):
    model = Auditor
    service = services.auditor_delete
    keyword = "auditor"
    list_url = "audits:auditor_list"
